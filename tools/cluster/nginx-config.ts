// Adapts nginx/nginx.conf (written for docker compose) to local processes: only the upstream server
// addresses, the listen port and the pid file change, so the tested config is the deployed one.

export interface LocalNginxOptions {
  upstreams: string[];
  listenPort: number;
  pidFile: string;
}

const UPSTREAM_SERVER = /^(\s*)server\s+switchboard-\d+:\d+(.*)$/;

export function renderLocalNginxConfig(template: string, options: LocalNginxOptions): string {
  const lines = template.split("\n");
  const firstServer = lines.findIndex((line) => UPSTREAM_SERVER.test(line));
  if (firstServer < 0) throw new Error("nginx.conf has no `server switchboard-N:PORT` upstream lines");
  const [, indent = "  ", rest = ";"] = UPSTREAM_SERVER.exec(lines[firstServer]!) ?? [];
  const servers = options.upstreams.map((address) => `${indent}server ${address}${rest}`);
  const kept = lines.filter((line) => !UPSTREAM_SERVER.test(line));
  kept.splice(firstServer, 0, ...servers);
  return kept
    .join("\n")
    .replace(/^(\s*)listen\s+\d+;/m, `$1listen 127.0.0.1:${options.listenPort};`)
    .replace(/^pid\s+[^;]+;/m, `pid ${options.pidFile};`);
}
