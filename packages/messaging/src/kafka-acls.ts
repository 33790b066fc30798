import {
  DEAD_LETTER_TOPIC,
  EVENTS_TOPIC,
  PARTNERS_TOPIC,
  PARTNER_STANDINGS_TOPIC,
  resultTopic,
  taskTopic,
} from '@govmesh/contracts/topics';
import kafkajs, { type AclEntry, type Admin } from 'kafkajs';

import { PLATFORM_PRINCIPALS, partnerPrincipal, type PlatformComponent } from './kafka-security.js';

// kafkajs is CommonJS: its enums are reachable only through the default export.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

export type AclOperation = 'read' | 'write' | 'create' | 'describe' | 'alter';

/** One line of the ACL table: what a principal may do to a topic, a consumer group or the cluster. */
export interface Grant {
  readonly resource: 'topic' | 'group' | 'cluster';
  /** A literal name, or a prefix when `prefixed`. The cluster's name is `kafka-cluster`. */
  readonly name: string;
  readonly prefixed?: boolean;
  readonly operations: readonly AclOperation[];
}

const TASKS = 'govmesh.tasks.';
const RESULTS = 'govmesh.results.';
/** Consumer groups of processes that follow the partner registry, one group each. */
export const REGISTRY_FOLLOWER_GROUP_PREFIX = 'govmesh-registry-follower-';

const topic = (name: string, operations: readonly AclOperation[], prefixed = false): Grant => ({
  resource: 'topic',
  name,
  prefixed,
  operations,
});
const group = (name: string, prefixed = false): Grant => ({ resource: 'group', name, prefixed, operations: ['read'] });
/** Every platform component creates the platform's topics it needs if they are missing. */
const createsPlatformTopics = topic('govmesh.', ['create', 'describe'], true);
const followsRegistry = [topic(PARTNERS_TOPIC, ['read']), group(REGISTRY_FOLLOWER_GROUP_PREFIX, true)];

/**
 * The least each component needs (the README's table is this one). Only the worker and the
 * bridge write task topics (tasks; refusals of results); only the bridge reads result topics;
 * only platform components write `govmesh.events` and `govmesh.partners`; only the audit service
 * writes `govmesh.partner-standings`.
 */
export function platformGrants(): Record<Exclude<PlatformComponent, 'admin'>, readonly Grant[]> {
  return {
    api: [
      createsPlatformTopics,
      topic(EVENTS_TOPIC, ['write']),
      topic(PARTNERS_TOPIC, ['write']),
      // Onboarding creates each partner's SASL user and ACLs; describe lets it read them back.
      { resource: 'cluster', name: 'kafka-cluster', operations: ['alter', 'describe'] },
    ],
    worker: [
      createsPlatformTopics,
      topic(TASKS, ['write'], true),
      topic(EVENTS_TOPIC, ['write']),
      ...followsRegistry,
      // Best-score selection reads the standings the audit service publishes (same follower groups).
      topic(PARTNER_STANDINGS_TOPIC, ['read']),
    ],
    bridge: [
      createsPlatformTopics,
      topic(RESULTS, ['read'], true),
      topic(TASKS, ['write'], true),
      topic(EVENTS_TOPIC, ['write']),
      topic(DEAD_LETTER_TOPIC, ['write']),
      group('govmesh-bridge', true),
      ...followsRegistry,
    ],
    audit: [
      createsPlatformTopics,
      topic(EVENTS_TOPIC, ['read']),
      topic(DEAD_LETTER_TOPIC, ['write']),
      topic(PARTNER_STANDINGS_TOPIC, ['write']),
      group('govmesh-audit', true),
    ],
  };
}

/** A partner's consumer group: its own name, so no partner can join another's. */
export function partnerGroup(partnerId: string): string {
  return `govmesh-partner-${partnerId}`;
}

/** A partner reads its task topic and writes its result topic; nothing else, not even a describe. */
export function partnerGrants(partnerId: string): readonly Grant[] {
  return [
    topic(taskTopic(partnerId), ['read']),
    topic(resultTopic(partnerId), ['write']),
    group(partnerGroup(partnerId)),
    // A partner running several consumers names their groups `govmesh-partner-<id>.<name>`.
    group(`${partnerGroup(partnerId)}.`, true),
  ];
}

const OPERATIONS: Record<AclOperation, kafkajs.AclOperationTypes> = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  create: AclOperationTypes.CREATE,
  describe: AclOperationTypes.DESCRIBE,
  alter: AclOperationTypes.ALTER,
};
const RESOURCES = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
} as const;

/** The ACL entries that `grants` stand for, for `principal`. */
export function aclEntries(principal: string, grants: readonly Grant[]): AclEntry[] {
  return grants.flatMap((g) =>
    g.operations.map((operation) => ({
      resourceType: RESOURCES[g.resource],
      resourceName: g.name,
      resourcePatternType: g.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
      principal: `User:${principal}`,
      host: '*',
      operation: OPERATIONS[operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
}

/** Every platform component's ACL entries, as `govmesh kafka acl apply` writes them. */
export function platformAclEntries(): AclEntry[] {
  return Object.entries(platformGrants()).flatMap(([component, grants]) =>
    aclEntries(PLATFORM_PRINCIPALS[component as Exclude<PlatformComponent, 'admin'>], grants),
  );
}

/** Adds ACLs; Kafka keeps one of each, so applying the same table twice changes nothing. */
export async function applyAcls(admin: Admin, entries: readonly AclEntry[]): Promise<void> {
  if (entries.length > 0) await admin.createAcls({ acl: [...entries] });
}

/** Removes every ACL a partner's principal holds (what termination does). */
export async function removePartnerAcls(admin: Admin, partnerId: string): Promise<void> {
  await admin.deleteAcls({
    filters: [
      {
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal: `User:${partnerPrincipal(partnerId)}`,
        host: '*',
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      },
    ],
  });
}
