// One canonical form for the whole platform: the bridge digests results with the same function.
export { canonicalJson, digestOf } from '@govmesh/contracts/canonical-json';
