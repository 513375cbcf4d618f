// Every Redis key and channel name Switchboard uses, built from one prefix so that several deployments (or
// test runs) can share one Redis without hearing each other.

export function changeChannel(prefix: string): string {
  return `${prefix}:changes`;
}

export function connectionName(prefix: string, role: "pub" | "sub", replicaId: string): string {
  // Redis client names may not contain spaces.
  return `${prefix}:${role}:${replicaId}`.replace(/\s+/g, "_");
}
