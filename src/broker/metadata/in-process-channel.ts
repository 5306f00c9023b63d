/**
 * Delivers the controller's leadership requests to brokers living in this process (embedded
 * clusters, tests, `gregor dev`), keyed by cluster id and broker id. Brokers in other processes
 * are not reachable this way; the multi-broker replication work adds LeaderAndIsr / StopReplica
 * over the network behind the same BrokerChannel interface.
 */
import type { BrokerRequest } from '../controller/controller-core.js';
import type { BrokerChannel } from '../controller/kafka-controller.js';
import type { ControlledShutdownResult } from './metadata-service.js';

type Receiver = (request: BrokerRequest, controllerEpoch: number) => void;

const receivers = new Map<string, Receiver>();
const keyOf = (clusterId: string, brokerId: number): string => `${clusterId}/${brokerId}`;

export function registerInProcessBroker(clusterId: string, brokerId: number, receiver: Receiver): () => void {
  const key = keyOf(clusterId, brokerId);
  receivers.set(key, receiver);
  return () => {
    if (receivers.get(key) === receiver) receivers.delete(key);
  };
}

export function inProcessChannel(clusterId: string): BrokerChannel {
  return {
    send(request, controllerEpoch) {
      receivers.get(keyOf(clusterId, request.brokerId))?.(request, controllerEpoch);
    },
  };
}

/**
 * The other direction, broker -> controller (ControlledShutdown), for brokers in this process:
 * each broker's metadata service registers itself; a stopping broker asks the one whose id is
 * the current controller (which answers NOT_CONTROLLER if it no longer is).
 */
export interface InProcessControllerEndpoint {
  controlledShutdown(brokerId: number, brokerEpoch: bigint): Promise<ControlledShutdownResult>;
}

const controllerEndpoints = new Map<string, InProcessControllerEndpoint>();

export function registerInProcessControllerEndpoint(clusterId: string, brokerId: number, endpoint: InProcessControllerEndpoint): () => void {
  const key = keyOf(clusterId, brokerId);
  controllerEndpoints.set(key, endpoint);
  return () => {
    if (controllerEndpoints.get(key) === endpoint) controllerEndpoints.delete(key);
  };
}

/** The in-process endpoint of broker `brokerId`, or undefined when it lives in another process. */
export function inProcessControllerEndpoint(clusterId: string, brokerId: number): InProcessControllerEndpoint | undefined {
  return controllerEndpoints.get(keyOf(clusterId, brokerId));
}
