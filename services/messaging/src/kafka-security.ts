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

/** What a partner is given once at onboarding (and at each rotation) to reach its topics. */
export const PartnerKafkaAccess = KafkaCredentials.extend({ brokers: z.array(z.string()).min(1) });
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
