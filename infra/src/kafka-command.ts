import {
  PLATFORM_PRINCIPALS,
  applyAcls,
  credentialsEnv,
  createKafka,
  platformGrants,
  platformAclEntries,
  type PlatformComponent,
} from '@govmesh/messaging';
import { Command } from 'commander';
import { pino } from 'pino';

import { loadInfraConfig, type InfraConfig } from './config.js';
import { InfraError } from './errors.js';
import { platformCredentials } from './kafka-principals.js';

const COMPONENTS = Object.keys(PLATFORM_PRINCIPALS).filter((c) => c !== 'admin');

/** The ACL table as a person reads it: one line per principal and resource. */
export function aclTable(): string {
  const rows = Object.entries(platformGrants()).flatMap(([component, grants]) =>
    grants.map((g) => [
      PLATFORM_PRINCIPALS[component as Exclude<PlatformComponent, 'admin'>],
      g.resource,
      g.prefixed ? `${g.name}*` : g.name,
      g.operations.join(', '),
    ]),
  );
  const all = [['principal', 'resource', 'name', 'operations'], ...rows];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return `${all
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/** `govmesh kafka acl print | apply`: the platform's ACLs for a cluster govmesh did not start. */
export function kafkaCommand(loadConfig: () => InfraConfig = () => loadInfraConfig()): Command {
  const kafka = new Command('kafka').description("govmesh's principals and ACLs on a Kafka cluster");
  const acl = kafka
    .command('acl')
    .description("the ACLs of govmesh's own components (partners get theirs at onboarding)");
  acl
    .command('print')
    .description('print the ACL table')
    .action(() => {
      process.stdout.write(aclTable());
    });
  acl
    .command('apply')
    .description(
      'create the ACLs on the cluster (KAFKA_BROKERS, as the admin KAFKA_SASL_* names; the embedded one otherwise); applying twice changes nothing',
    )
    .action(async () => {
      const config = loadConfig();
      const entries = platformAclEntries();
      const client = createKafka({
        clientId: 'govmesh-acl',
        brokers: config.kafka.brokers,
        credentials: platformCredentials(config, 'admin'),
        tls: config.kafka.clientTls,
        logger: pino({ level: 'silent' }),
      });
      const admin = client.admin();
      await admin.connect();
      try {
        await applyAcls(admin, entries);
      } finally {
        await admin.disconnect();
      }
      process.stdout.write(`applied ${entries.length} ACL entries on ${config.kafka.brokers.join(',')}\n${aclTable()}`);
    });
  kafka
    .command('principal')
    .description(
      "print a component's KAFKA_SASL_* variables for the embedded broker, to run it by hand: export $(npx govmesh kafka principal worker)",
    )
    .argument('<component>', `one of ${COMPONENTS.join(', ')}`)
    .action((component: string) => {
      // The admin's secret stays in its file: no command prints it.
      if (!(COMPONENTS as readonly string[]).includes(component)) {
        throw new InfraError('INFRA.UNKNOWN_PRINCIPAL', `no govmesh component is called ${component}`, {
          hint: `name one of ${COMPONENTS.join(', ')}`,
        });
      }
      const env = credentialsEnv(platformCredentials(loadConfig(), component as PlatformComponent));
      process.stdout.write(
        `${Object.entries(env)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
      );
    });
  return kafka;
}
