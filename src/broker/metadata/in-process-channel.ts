/**
 * Delivers the controller's leadership requests to brokers living in this process (embedded
 * clusters, tests, `gregor dev`), keyed by cluster id and broker id. Brokers in other processes
 * are not reachable this way; the multi-broker replication work adds LeaderAndIsr / StopReplica
 * over the network behind the same BrokerChannel interface.
 */
import type { BrokerRequest } from '../controller/controller-core.js';
import type { BrokerChannel } from '../controller/kafka-controller.js';

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
