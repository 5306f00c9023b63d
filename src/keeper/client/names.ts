/** Wire numbers <-> the names ZooKeeper prints (Watcher.Event.EventType / KeeperState). */
import { EventType, KeeperState } from '../../jute/index.js';
import type { EventTypeName, KeeperStateName } from './watch-registry.js';

const eventNames = new Map<number, EventTypeName>(Object.entries(EventType).map(([k, v]) => [v, k as EventTypeName]));
const stateNames = new Map<number, KeeperStateName>(Object.entries(KeeperState).map(([k, v]) => [v, k as KeeperStateName]));

export function eventTypeName(type: number): EventTypeName {
  const name = eventNames.get(type);
  if (name === undefined) throw new RangeError(`unknown watch event type ${type}`);
  return name;
}

export function keeperStateName(state: number): KeeperStateName {
  const name = stateNames.get(state);
  if (name === undefined) throw new RangeError(`unknown keeper state ${state}`);
  return name;
}
