// Every Redis key and channel name Switchboard uses, built from one prefix so that several deployments (or
// test runs) can share one Redis without hearing each other.

export function changeChannel(prefix: string): string {
  return `${prefix}:changes`;
}

export function connectionName(prefix: string, role: "pub" | "sub", replicaId: string): string {
  // Redis client names may not contain spaces.
  return `${prefix}:${role}:${replicaId}`.replace(/\s+/g, "_");
}

// Key limits (src/limits/): one counter per key and limit, named by the key's hash; and the replicas alive.

export function limitCounterKey(prefix: string, counterId: string): string {
  return `${prefix}:limits:${counterId}`;
}

export function limitReplicasKey(prefix: string): string {
  return `${prefix}:limits:replicas`;
}
