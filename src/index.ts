/**
 * Gregor's public API. Internals are reachable by tests through their modules, not from here.
 */
export { GregorError, DecodeError, EncodeError, FrameTooLargeError } from './util/errors.js';
