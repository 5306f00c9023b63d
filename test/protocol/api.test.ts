/** The API registry: keys, version ranges (stable vs latest), header versions, request decoding errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Reader } from '../../src/util/bytes.js';
import { DecodeError } from '../../src/util/errors.js';
import {
  ApiKey, allApis, apiByKey, apiByName, decodeRequest, decodeRequestBody, decodeRequestHeader, decodeResponseOf, encodeRequest,
  encodeRequestFrameOf, encodeResponse, isVersionSupported, peekCorrelationId, requestHeaderVersion, responseHeaderVersion, UnknownApiKeyError, UnsupportedVersionError,
} from '../../src/protocol/api.js';
import { ErrorCode, KafkaError } from '../../src/protocol/errors.js';
import { createApiVersionsRequest, createApiVersionsResponse } from '../../src/protocol/generated/api-versions.js';
import { createConsumerGroupHeartbeatRequest } from '../../src/protocol/generated/consumer-group-heartbeat.js';
import { loadMessageSpecs } from '../../src/protocol/codegen/spec.js';
import { repoRoot } from '../helpers/paths.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('ApiKey and apiByKey agree with the specs', () => {
  assert.equal(ApiKey.Produce, 0);
  assert.equal(ApiKey.Fetch, 1);
  assert.equal(ApiKey.ApiVersions, 18);
  const produce = apiByKey(0)!;
  assert.equal(produce.name, 'Produce');
  assert.equal(produce.minVersion, 0);
  assert.equal(produce.maxVersion, 11);
  assert.equal(produce.flexibleMinVersion, 9);
  assert.deepEqual(produce.listeners, ['zkBroker', 'broker']);
  assert.equal(apiByKey(999), undefined);
  assert.equal(apiByKey(-1), undefined);
  assert.equal(apiByName('Metadata').apiKey, 3);
  assert.ok(allApis.length > 80);
  for (let i = 1; i < allApis.length; i++) assert.ok(allApis[i]!.apiKey > allApis[i - 1]!.apiKey);
});

test('an unstable latest version is handled by the codecs but not advertised', () => {
  const endTxn = apiByName('EndTxn');
  assert.equal(endTxn.latestVersionUnstable, true);
  assert.equal(endTxn.latestVersion, 5);
  assert.equal(endTxn.maxVersion, 4);
  assert.equal(isVersionSupported(ApiKey.EndTxn, 5), false);
  assert.equal(isVersionSupported(ApiKey.EndTxn, 5, true), true);
  const shareFetch = apiByName('ShareFetch');
  assert.equal(shareFetch.maxVersion, -1, 'an API whose only version is unstable has no stable range');
});

test('header version rules, including ControlledShutdown v0 and ApiVersions responses', () => {
  assert.equal(requestHeaderVersion(ApiKey.Produce, 8), 1);
  assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
  assert.equal(responseHeaderVersion(ApiKey.Produce, 8), 0);
  assert.equal(responseHeaderVersion(ApiKey.Produce, 9), 1);
  assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 0), 0);
  assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 1), 1);
  assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2);
  assert.equal(responseHeaderVersion(ApiKey.ApiVersions, 3), 0);
  assert.equal(responseHeaderVersion(ApiKey.ApiVersions, 4), 0);
  // A version newer than we know keeps the flexible header (KIP-511: ApiVersions from a newer client).
  assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 99), 2);
  assert.equal(requestHeaderVersion(999, 0), -1);
});

test('ApiVersions at an unknown version: the header decodes, the body is refused with UNSUPPORTED_VERSION', () => {
  const buf = hex('0012 0063 0000002a 0003 6b6364 00   0461626301 00');
  const r = new Reader(buf);
  const decoded = decodeRequestHeader(r);
  assert.equal(decoded.header.correlationId, 42);
  assert.equal(decoded.header.clientId, 'kcd');
  assert.equal(decoded.headerVersion, 2);
  assert.throws(
    () => decodeRequestBody(decoded, r),
    (err: unknown) =>
      err instanceof UnsupportedVersionError &&
      err instanceof KafkaError &&
      err.errorCode === ErrorCode.UNSUPPORTED_VERSION &&
      err.header.correlationId === 42 &&
      err.header.requestApiVersion === 99,
  );
});

test('an unknown API key throws UnknownApiKeyError carrying the correlation id', () => {
  const buf = hex('03e7 0000 00000009 ffff');
  assert.throws(
    () => decodeRequest(buf),
    (err: unknown) => err instanceof UnknownApiKeyError && err.correlationId === 9 && err.errorCode === ErrorCode.INVALID_REQUEST,
  );
  assert.throws(() => decodeRequest(hex('0000 00')), DecodeError);
});

test('decodeRequest refuses trailing bytes and unstable versions unless allowed', () => {
  const ok = encodeRequest({ requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'c' }, createApiVersionsRequest());
  assert.equal(decodeRequest(ok).body.clientSoftwareName, '');
  assert.throws(() => decodeRequest(Buffer.concat([ok, hex('00')])), DecodeError);
  const unstable = encodeRequest(
    { requestApiKey: ApiKey.ConsumerGroupHeartbeat, requestApiVersion: 1, correlationId: 2, clientId: null },
    createConsumerGroupHeartbeatRequest({ groupId: 'g', memberId: 'm' }),
  );
  assert.throws(() => decodeRequest(unstable), UnsupportedVersionError);
  assert.equal(decodeRequest(unstable, { allowUnstable: true }).body.groupId, 'g');
  assert.equal(peekCorrelationId(hex('0000000c')), 12);
});

test('the API table matches the specs in ../shared (version ranges, flexible versions, listeners)', (t) => {
  const dir = join(repoRoot, '..', 'shared', 'specs', 'kafka');
  if (!existsSync(dir)) {
    t.skip('../shared/specs absent');
    return;
  }
  const specs = loadMessageSpecs(join(dir, 'messages'), join(dir, 'internal')).filter((s) => s.kind === 'request');
  assert.equal(specs.length, allApis.length);
  for (const s of specs) {
    const api = apiByKey(s.apiKey!)!;
    assert.equal(`${api.name}Request`, s.name);
    assert.equal(api.minVersion, s.validVersions.min, s.name);
    assert.equal(api.latestVersion, s.validVersions.max, s.name);
    assert.equal(api.maxVersion, s.latestVersionUnstable ? (s.validVersions.max > s.validVersions.min ? s.validVersions.max - 1 : -1) : s.validVersions.max);
    assert.equal(api.flexibleMinVersion, s.flexibleVersions.min > s.flexibleVersions.max ? -1 : s.flexibleVersions.min, s.name);
    assert.deepEqual(api.listeners, s.listeners, s.name);
  }
});

test('ControlledShutdown v0 uses request header v0 (no client id)', () => {
  const buf = hex('0007 0000 00000005  00000003');
  const d = decodeRequest(buf);
  assert.equal(d.headerVersion, 0);
  assert.equal(d.header.correlationId, 5);
  assert.equal(d.body.brokerId, 3);
  assert.ok(encodeRequest(d.header, d.body).equals(buf));
});

test('typed conveniences: encodeRequestFrameOf / decodeResponseOf', () => {
  const frame = encodeRequestFrameOf('ApiVersions', 3, 21, 'typed', createApiVersionsRequest({ clientSoftwareName: 'x' }));
  const req = decodeRequest(frame.subarray(4));
  assert.equal(req.header.correlationId, 21);
  assert.equal(req.body.clientSoftwareName, 'x');
  const resp = encodeResponse(ApiKey.ApiVersions, 3, 21, createApiVersionsResponse({ errorCode: ErrorCode.UNSUPPORTED_VERSION }));
  const decoded = decodeResponseOf('ApiVersions', 3, resp);
  assert.equal(decoded.body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
});
