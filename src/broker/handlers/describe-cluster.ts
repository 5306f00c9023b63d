/** DescribeCluster (key 60): cluster id, controller and live brokers (endpoint type 1, brokers). */
import { ErrorCode } from '../../protocol/errors.js';
import { createDescribeClusterResponse, type DescribeClusterRequest, type DescribeClusterResponse } from '../../protocol/generated/describe-cluster.js';
import { defineHandler } from './handler.js';

const ENDPOINT_TYPE_BROKERS = 1;

export const describeClusterHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const md = ctx.broker.metadata.snapshot();
    if (ctx.apiVersion >= 1 && req.endpointType !== ENDPOINT_TYPE_BROKERS) {
      return createDescribeClusterResponse({ errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `endpoint type ${req.endpointType} is not served by a broker`, endpointType: req.endpointType, clusterId: md.clusterId, controllerId: -1 });
    }
    return createDescribeClusterResponse({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: ctx.apiVersion >= 1 ? ENDPOINT_TYPE_BROKERS : 1,
      clusterId: md.clusterId,
      controllerId: md.controllerId,
      brokers: [...md.brokers.values()].sort((a, b) => a.id - b.id).map((b) => ({ brokerId: b.id, host: b.host, port: b.port, rack: b.rack })),
      clusterAuthorizedOperations: -2147483648,
    });
  },
});
