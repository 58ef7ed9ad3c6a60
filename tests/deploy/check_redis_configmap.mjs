// The Redis ConfigMap must carry deploy/redis/redis.conf unchanged, so that
// Kubernetes runs Redis with the durability the service relies on:
// node check_redis_configmap.mjs CONFIGMAP_YAML REDIS_CONF
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const [configMapPath, redisConfPath] = process.argv.slice(2);
const shipped = readFileSync(redisConfPath, "utf8");
const configMap = parseAllDocuments(readFileSync(configMapPath, "utf8"))
  .map((document) => document.toJS())
  .find((object) => object?.kind === "ConfigMap");
const embedded = configMap?.data?.["redis.conf"];
if (embedded !== shipped) {
  console.error(`${configMapPath}: data["redis.conf"] differs from ${redisConfPath}`);
  process.exit(1);
}
console.log(`ok    ${configMapPath}: redis.conf is ${redisConfPath}`);
