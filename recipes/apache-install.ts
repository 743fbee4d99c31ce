// Tutorial step 7: `apt-get install apache2` (+ php) on the web nodes, started, with a page naming the node so
// the balancer's choices are visible. A site's own page is never overwritten.
import type { HostContext, Recipe, Step } from '../runner/engine/types.js';
import { file, packages, service } from '../runner/engine/primitives/index.js';
import { opt } from './options.js';
import { keepingUpgradeStamp } from './system-update.js';

const INDEX = '/var/www/html/index.html';
const SESSION_PHP = '/var/www/html/session.php';
/** A phrase from the page Debian's apache2 package installs. */
const DEBIAN_DEFAULT = 'Apache2 Debian Default Page';

export function indexPage(node: string): string {
  return `<!doctype html>\n<html><head><title>${node}</title></head>\n<body><h1>served by ${node}</h1></body></html>\n`;
}

/** A tiny PHP app with a session (PHPSESSID), for cookie-prefix persistence. */
export function sessionPage(node: string): string {
  return `<?php\nsession_start();\n$_SESSION['hits'] = ($_SESSION['hits'] ?? 0) + 1;\nheader('Content-Type: text/plain');\necho "served by ${node} hits=" . $_SESSION['hits'] . "\\n";\n`;
}

/** Writes the page only over Debian's default page, or when index_page is set. */
function ownedPage(path: string, content: string, mode = 0o644): Step {
  const write = file({ path, content, mode, owner: 'root', group: 'root' });
  const whose = `if [ -f ${path} ]; then grep -qF '${DEBIAN_DEFAULT}' ${path} && echo debian || echo site; else echo absent; fi`;
  return {
    name: `page ${path} names this node`,
    // Whose page it is matters only when ours would change it: asked then, not on every no-op.
    reads: async (h) => (await write.reads?.(h)) ?? [],
    async check(h: HostContext) {
      const c = await write.check(h);
      if (c.state !== 'change' || opt<boolean>(h, 'index_page')) return c;
      const what = (await h.run(whose)).stdout.trim();
      if (what === 'site') {
        // Our own earlier page differs only if the node name changed; a site's page is left alone.
        const ours = (await h.run(`grep -q '^<body><h1>served by ' ${path} || grep -q '^echo "served by ' ${path}`)).code === 0;
        if (!ours) return { state: 'ok', note: 'the site has its own page: left alone (index_page: true to replace it)' };
      }
      return c;
    },
  };
}

export const apacheInstall: Recipe = {
  name: 'apache-install',
  summary: 'apache2 (+ libapache2-mod-php when php is on) running, with a page that names the node',
  roles: ['web'],
  after: ['system-update'],
  steps(h) {
    const php = opt<boolean>(h, 'php');
    const names = php ? ['apache2', 'libapache2-mod-php'] : ['apache2'];
    const steps: Step[] = [
      keepingUpgradeStamp(packages({ names, name: php ? 'apache2 and PHP installed' : 'apache2 installed' }), names),
      // Debian's apache2 writes its pid here (APACHE_PID_FILE in /etc/apache2/envvars).
      service({ name: 'apache2', enabled: true, pidFile: '/run/apache2/apache2.pid' }),
      ownedPage(INDEX, indexPage(h.name)),
    ];
    if (php) steps.push(ownedPage(SESSION_PHP, sessionPage(h.name)));
    return steps;
  },
};
