// The ceiling: the smallest Fastify server there is, measured with the same load settings in
// the same run as otpgate, so every otpgate figure can be read as a ratio to "what this machine
// and this Node can do at all right now". Plain JS, no TypeScript loader, no logging.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening at ${address}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
