// Starts the real parts for the browser tests: a private redis-server, the
// moderation-server binary (development reveal mode, TLS, portal and admin
// tokens), the moderation-portal binary, and Debian's chromium driven by
// puppeteer-core. Everything listens on loopback ports picked here and is
// stopped by stop().
import { spawn, execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

// puppeteer-core and axe-core come from tests/browser/setup.sh's folder.
const modules = createRequire(path.join(process.env.BROWSER_TEST_MODULES, "package.json"));
const puppeteer = modules("puppeteer-core");
export const axeSource = path.join(path.dirname(modules.resolve("axe-core")), "axe.min.js");

// The flags that work in a container without a GPU, a sandbox or a network
// beyond loopback; a fresh profile each run.
const chromiumFlags = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  "--window-size=1000,1400",
];

const kServiceName = "moderation.test";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set (tests/browser/run.sh sets it)`);
  }
  return value;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function sha256(text) {
  return createHash("sha256").update(text).digest("hex");
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Polls `probe` until it returns true, for at most `ms`.
async function waitFor(what, probe, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await probe()) {
        return;
      }
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} did not come up within ${ms} ms`);
    }
    await sleep(100);
  }
}

export class Stack {
  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), "portal-browser-"));
    this.children = [];
    this.adminToken = randomBytes(32).toString("base64url");
    this.portalToken = randomBytes(32).toString("base64url");
  }

  spawnLogged(name, argv, env) {
    const log = openSync(path.join(this.dir, `${name}.log`), "a");
    const child = spawn(argv[0], argv.slice(1), {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", log, log],
    });
    child.logName = name;
    this.children.push(child);
    return child;
  }

  log(name) {
    try {
      return readFileSync(path.join(this.dir, `${name}.log`), "utf8");
    } catch {
      return "";
    }
  }

  async start({ pageSize = 2 } = {}) {
    const source = required("MODERATION_SOURCE_DIR");
    const socket = path.join(this.dir, "redis.sock");
    this.spawnLogged("redis", [
      "redis-server", path.join(source, "deploy/redis/redis.conf"), "--port", "0",
      "--unixsocket", socket, "--unixsocketperm", "700", "--dir", this.dir,
      "--daemonize", "no",
    ], {});
    await waitFor("redis-server", async () => {
      await execFileAsync("redis-cli", ["-s", socket, "ping"]);
      return true;
    }, 10000);

    // Like production, the portal reaches the service over TLS with a token:
    // a throwaway CA and a certificate for the service's name.
    const pki = (name) => path.join(this.dir, name);
    const openssl = (...args) => execFileAsync("openssl", args);
    await openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
      "-nodes", "-days", "2", "-subj", "/CN=portal test CA", "-keyout", pki("ca.key"),
      "-out", pki("ca.crt"));
    await openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-subj", `/CN=${kServiceName}`, "-keyout", pki("tls.key"), "-out", pki("tls.csr"));
    writeFileSync(pki("tls.ext"),
      `subjectAltName=DNS:${kServiceName}\nextendedKeyUsage=serverAuth\n`);
    await openssl("x509", "-req", "-in", pki("tls.csr"), "-CA", pki("ca.crt"), "-CAkey",
      pki("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", pki("tls.ext"),
      "-out", pki("tls.crt"));
    this.caFile = pki("ca.crt");

    this.serverAddress = `127.0.0.1:${await freePort()}`;
    this.spawnLogged("server", [required("MODERATION_SERVER_BINARY")], {
      MODERATION_LISTEN: this.serverAddress,
      MODERATION_REDIS_URL: `unix://${socket}`,
      MODERATION_DEV_REVEAL_CAPTCHA: "1",
      MODERATION_SECRET_KEY: randomBytes(32).toString("hex"),
      MODERATION_METRICS_LISTEN: `127.0.0.1:${await freePort()}`,
      MODERATION_SHUTDOWN_GRACE_SECONDS: "2",
      MODERATION_TLS_CERT_FILE: pki("tls.crt"),
      MODERATION_TLS_KEY_FILE: pki("tls.key"),
      // Like production: the portal and the moderator each hold a token.
      MODERATION_AUTH_TOKENS:
        `portal:portal:${sha256(this.portalToken)},lan:admin:${sha256(this.adminToken)}`,
      // Every page view issues a captcha: the tests view more pages from one
      // address than a reader would. The submission limits stay as shipped.
      MODERATION_RATELIMIT_CAPTCHA_IP_COUNT: "10000",
      MODERATION_RATELIMIT_CAPTCHA_IP_BURST: "1000",
      MODERATION_RATELIMIT_CAPTCHA_IP_BLOCK_COUNT: "10000",
      MODERATION_RATELIMIT_CAPTCHA_IP_BLOCK_BURST: "1000",
      // The browser is on this machine: its address, which the portal
      // forwards, is loopback.
      MODERATION_LIMITS_LOCAL_CLIENT_IP_ACCEPTED: "1",
    });

    await waitFor("moderation-server", async () => {
      await this.modctl("health");
      return true;
    }, 30000);

    const tokenFile = path.join(this.dir, "portal.token");
    writeFileSync(tokenFile, `${this.portalToken}\n`, { mode: 0o600 });
    const portalPort = await freePort();
    this.portalUrl = `http://127.0.0.1:${portalPort}`;
    this.spawnLogged("portal", [required("MODERATION_PORTAL_BINARY")], {
      PORTAL_LISTEN: `127.0.0.1:${portalPort}`,
      PORTAL_SERVER: this.serverAddress,
      PORTAL_TOKEN_FILE: tokenFile,
      PORTAL_TLS_CA: this.caFile,
      PORTAL_TLS_SERVER_NAME: kServiceName,
      // The tests stand in for a reverse proxy on loopback: each names its
      // reader with X-Forwarded-For, a documentation address, so the service
      // never sees 127.0.0.1 as a reader.
      PORTAL_TRUSTED_PROXIES: "127.0.0.1",
      PORTAL_PAGE_SIZE: String(pageSize),
      // A loaded CI machine can take seconds to answer: a reader there would
      // wait, not see the service as down.
      PORTAL_DEADLINE_MS: "20000",
      PORTAL_ALTCHA_DIR: required("BROWSER_ALTCHA_DIR"),
    });
    // Up when a page comes with a captcha image: portal, server and Redis.
    await waitFor("moderation-portal and moderation-server", async () => {
      const response = await fetch(`${this.portalUrl}/bai-viet/khoi-dong`, {
        headers: { "X-Forwarded-For": "192.0.2.254" },
      });
      return (await response.text()).includes('src="data:image/png;base64,');
    }, 30000);

    this.browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM_BINARY || "/usr/bin/chromium",
      headless: true,
      args: [...chromiumFlags, `--user-data-dir=${path.join(this.dir, "chromium")}`],
      protocolTimeout: 30000,
    });
  }

  // A page whose requests come from `readerAddress` (via the trusted proxy
  // header).
  async newPage(readerAddress, { javaScript = true } = {}) {
    const page = await this.browser.newPage();
    page.setDefaultTimeout(60000);
    await page.setJavaScriptEnabled(javaScript);
    await page.setExtraHTTPHeaders({ "X-Forwarded-For": readerAddress });
    return page;
  }

  async modctl(...args) {
    const { stdout } = await execFileAsync(required("MODERATION_MODCTL_BINARY"), [
      "--server", this.serverAddress, "--token", this.adminToken, "--tls-ca", this.caFile,
      "--tls-server-name", kServiceName, "--timeout", "10", ...args,
    ], { timeout: 20000 });
    return stdout;
  }

  async stop() {
    if (this.browser) {
      await this.browser.close().catch(() => {});
    }
    for (const child of this.children.reverse()) {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await Promise.race([new Promise((resolve) => child.once("exit", resolve)), sleep(5000)]);
        if (child.exitCode === null) {
          child.kill("SIGKILL");
        }
      }
    }
  }

  // Removes the temporary folder (logs, Redis data, keys, the profile).
  cleanUp() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
