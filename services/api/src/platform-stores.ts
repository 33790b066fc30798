import { SqlitePlatformStore, type PlatformStore } from './platform-store.js';
import { PostgresPlatformStore } from './postgres-platform-store.js';

/** What the API's configuration says of where its state lives. */
interface StoreLocation {
  readonly platformDb: string;
  readonly GOVMESH_DATABASE_URL?: string | undefined;
  readonly GOVMESH_API_DB_SCHEMA: string;
}

/**
 * The API's store where the configuration puts it: PostgreSQL when GOVMESH_DATABASE_URL is set
 * (its own schema), else the embedded SQLite file.
 */
export function openPlatformStore(where: StoreLocation): Promise<PlatformStore> {
  if (!where.GOVMESH_DATABASE_URL) return Promise.resolve(new SqlitePlatformStore(where.platformDb));
  return PostgresPlatformStore.open(where.GOVMESH_DATABASE_URL, { schema: where.GOVMESH_API_DB_SCHEMA });
}

/** Where the store is, for logs: never the database password. */
export function describeStoreLocation(where: StoreLocation): string {
  if (!where.GOVMESH_DATABASE_URL) return where.platformDb;
  const url = new URL(where.GOVMESH_DATABASE_URL);
  return `postgres://${url.host}${url.pathname} (schema ${where.GOVMESH_API_DB_SCHEMA})`;
}
