import { join } from 'node:path';
import type { GrpcObject, ServiceClientConstructor, ServiceDefinition } from '@grpc/grpc-js';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

/** The proto files (written from Envoy's published API) and how they are loaded. */
export const PROTO_DIR = join(import.meta.dirname, 'proto');
export const EXTERNAL_AUTH_PROTO = 'envoy/service/auth/v3/external_auth.proto';

/**
 * Decoding options: proto field names as written (`ok_response`, `headers_to_remove`), no
 * defaults for absent fields (so a missing `attributes` is visible), enums and 64-bit
 * integers as numbers, oneofs named.
 */
export const LOADER_OPTIONS: Options = Object.freeze({
  keepCase: true,
  longs: Number,
  enums: Number,
  defaults: false,
  oneofs: true,
  includeDirs: [PROTO_DIR],
});

let definition: PackageDefinition | undefined;

/** The package definition, loaded once (at the gRPC server's start). */
export function externalAuthDefinition(): PackageDefinition {
  definition ??= loadSync(EXTERNAL_AUTH_PROTO, LOADER_OPTIONS);
  return definition;
}

/** `envoy.service.auth.v3.Authorization`, for a server's addService or a test client. */
export function authorizationService(): { service: ServiceDefinition; Client: ServiceClientConstructor } {
  const pkg = loadPackageDefinition(externalAuthDefinition()) as unknown as {
    envoy: { service: { auth: { v3: GrpcObject } } };
  };
  const Client = pkg.envoy.service.auth.v3.Authorization as ServiceClientConstructor;
  return { service: Client.service, Client };
}
