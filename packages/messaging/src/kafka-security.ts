import { readFileSync } from 'node:fs';

import { z } from 'zod';

/** The SASL mechanisms govmesh speaks; SCRAM-SHA-512 is what the embedded broker offers. */
export const KafkaSaslMechanism = z.enum(['scram-sha-512', 'scram-sha-256', 'plain']);
export type KafkaSaslMechanism = z.infer<typeof KafkaSaslMechanism>;

/** Who a Kafka client proves it is: a SASL principal and its secret. */
export const KafkaCredentials = z.object({
  mechanism: KafkaSaslMechanism,
  username: z.string().min(1),
  password: z.string().min(1),
});
export type KafkaCredentials = z.infer<typeof KafkaCredentials>;

/**
 * The variables that say how a process proves who it is to Kafka and whether it speaks TLS; every
 * process's schema (and infra's) spreads these in, so they mean one thing everywhere.
 */
export const KafkaSecurityEnvShape = {
  KAFKA_SASL_MECHANISM: KafkaSaslMechanism.default('scram-sha-512'),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  // TLS towards the brokers: on with KAFKA_SSL=true or any of the files (PEM).
  KAFKA_SSL: z.stringbool().default(false),
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  KAFKA_SSL_CERT_FILE: z.string().min(1).optional(),
  KAFKA_SSL_KEY_FILE: z.string().min(1).optional(),
};

/** TLS towards the brokers: the CA that signed their certificates, and a client certificate if the cluster asks for one (PEM). */
export interface KafkaTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/**
 * The TLS a parsed environment asks for: KAFKA_SSL=true, or any KAFKA_SSL_*_FILE set. Reads the
 * files now, so a wrong path fails at start with the variable's name.
 */
export function tlsFromEnv(env: {
  KAFKA_SSL?: boolean | undefined;
  KAFKA_SSL_CA_FILE?: string | undefined;
  KAFKA_SSL_CERT_FILE?: string | undefined;
  KAFKA_SSL_KEY_FILE?: string | undefined;
}): KafkaTls | undefined {
  const files = { ca: env.KAFKA_SSL_CA_FILE, cert: env.KAFKA_SSL_CERT_FILE, key: env.KAFKA_SSL_KEY_FILE };
  if (!env.KAFKA_SSL && !files.ca && !files.cert && !files.key) return undefined;
  const read = (variable: string, file: string | undefined): string | undefined => {
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(
        `${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        { cause: err },
      );
    }
  };
  const tls = {
    ca: read('KAFKA_SSL_CA_FILE', files.ca),
    cert: read('KAFKA_SSL_CERT_FILE', files.cert),
    key: read('KAFKA_SSL_KEY_FILE', files.key),
  };
  return Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
}

/** The environment that hands TLS settings to a child process (files, not their contents). */
export function tlsEnv(files: { caFile?: string | undefined } | undefined): Record<string, string> {
  return files ? { KAFKA_SSL: 'true', ...(files.caFile ? { KAFKA_SSL_CA_FILE: files.caFile } : {}) } : {};
}

/** What a partner is given once at onboarding (and at each rotation) to reach its topics. */
export const PartnerKafkaAccess = KafkaCredentials.extend({
  brokers: z.array(z.string()).min(1),
  /** SASL_SSL when true (use the cluster's CA), SASL_PLAINTEXT otherwise. */
  tls: z.boolean().default(false),
});
export type PartnerKafkaAccess = z.infer<typeof PartnerKafkaAccess>;

/**
 * The principals of govmesh's own components. Each has its own secret and the least rights it
 * needs (`platformGrants` in kafka-acls.ts); the admin is the broker's only super user.
 */
export const PLATFORM_PRINCIPALS = {
  admin: 'govmesh-admin',
  api: 'govmesh-api',
  worker: 'govmesh-worker',
  bridge: 'govmesh-bridge',
  audit: 'govmesh-audit',
} as const;
export type PlatformComponent = keyof typeof PLATFORM_PRINCIPALS;

/** A partner's SASL user name: its id, prefixed so it can never be taken for a component's. */
export function partnerPrincipal(partnerId: string): string {
  return `partner-${partnerId}`;
}

/** The credentials a parsed environment names, if any. */
export function credentialsFromEnv(env: {
  KAFKA_SASL_MECHANISM: KafkaSaslMechanism;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
}): KafkaCredentials | undefined {
  if (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD) return undefined;
  return { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD };
}

/** The environment that hands credentials to a child process (the inverse of `credentialsFromEnv`). */
export function credentialsEnv(credentials: KafkaCredentials): Record<string, string> {
  return {
    KAFKA_SASL_MECHANISM: credentials.mechanism,
    KAFKA_SASL_USERNAME: credentials.username,
    KAFKA_SASL_PASSWORD: credentials.password,
  };
}
