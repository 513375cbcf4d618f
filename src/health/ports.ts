/** What readiness asks of a dependency (the database): resolves when it answers, rejects when it does not. */
export interface HealthProbe {
  ping(): Promise<void>;
}
