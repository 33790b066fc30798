import pg from 'pg';
import { z } from 'zod';

/** GOVMESH_DATABASE_URL as every process reads it. */
export const DatabaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a PostgreSQL URL such as postgres://user:password@host:5432/db');

/** A name PostgreSQL takes unquoted: a schema is spliced into statements, so it is checked first. */
export const SchemaName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be lower-case letters, digits and _ (at most 63)');

export interface SchemaPoolOptions {
  /** The service's own schema: in a shared database, nobody else's tables are beside its own. */
  readonly schema: string;
  /** Creates the schema's tables (idempotent); run once per process, under a lock. */
  readonly ddl: (schema: string) => string;
  /** A reader: the server refuses it any write. No DDL is run. */
  readonly readonly?: boolean;
  /** Connections kept open (default 4). */
  readonly poolSize?: number;
}

/**
 * A connection pool on one service's schema, its tables made the first time. Replicas starting
 * at once take an advisory lock first: CREATE … IF NOT EXISTS races with itself otherwise.
 */
export async function openSchemaPool(url: string, options: SchemaPoolOptions): Promise<pg.Pool> {
  const schema = SchemaName.parse(options.schema);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 4,
    ...(options.readonly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  // An idle connection the server closed must not take the process down; the next query reconnects.
  pool.on('error', () => undefined);
  if (options.readonly) return pool;
  const client = await pool.connect().catch(async (err: unknown) => {
    await pool.end();
    throw err;
  });
  const lock = `govmesh schema ${schema}`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}; ${options.ddl(schema)}`);
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]).catch(() => undefined);
    client.release();
  }
  return pool;
}

/** PostgreSQL's code for a unique or primary key violation. */
export const UNIQUE_VIOLATION = '23505';
