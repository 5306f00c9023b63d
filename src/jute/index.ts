/** ZooKeeper's jute records, constants and error type: the wire vocabulary of src/keeper. */
export * from './generated/records.js';
export * from './constants.js';
export { KeeperError, zkErrorName, type ZkErrorName } from './errors.js';
export {
  DEFAULT_JUTE_MAX_BUFFER_BYTES,
  readBuffer,
  readNullableUstring,
  readUstring,
  readVector,
  readVectorCount,
  writeBuffer,
  writeUstring,
  writeVector,
} from './runtime.js';
