/**
 * otpgate as a library: build the HTTP app around a container and serve it your own way (the
 * `otpgate` command and `dist/main.js` do exactly this). Most people run the server instead;
 * clients talk to it over HTTP (docs/clients.md).
 */
export { buildApp } from './http/app.js';
export type { App, BuildAppOptions } from './http/app.js';
export { createContainer } from './container.js';
export type { Container, ContainerOverrides } from './container.js';
export { ConfigError, loadConfig } from './config.js';
export type { Config } from './config.js';
export { openApiDocument } from './http/openapi-document.js';
