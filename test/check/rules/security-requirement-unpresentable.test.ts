import { securityRequirementUnpresentable } from '../../../src/check/rules/security-requirement-unpresentable.js';
import { ruleTester } from '../rule-tester.js';

// Documents are built from JSON (YAML 1.2 is a superset), so each case states only what differs: the server's
// protocol, its `security`, the operation's `security`, and the schemes. Schemes are referred to by name.
type Schemes = Record<string, Record<string, unknown>>;
const HEADER3 = "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n";
const HEADER2 = "asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\n";
const ref = (name: string) => ({ $ref: `#/components/securitySchemes/${name}` });
const TOKEN_FLOWS = { clientCredentials: { tokenUrl: 'https://idp.example.com/token', availableScopes: {} } };
const oauth = { type: 'oauth2', flows: TOKEN_FLOWS };

/** Top-level keys as block mapping entries, each value as JSON (a YAML flow collection). */
const asYaml = (body: Record<string, unknown>): string =>
  Object.entries(body)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`)
    .join('');

/** 3.x: one server, one `send` operation on a channel available on it; security lists of scheme names. */
function doc3(protocol: string, server: string[], operation: string[] | null, schemes: Schemes): string {
  const body = {
    servers: { broker: { host: 'broker.example.com', protocol, security: server.map(ref) } },
    channels: { c: { address: 'c' } },
    operations: {
      pub: {
        action: 'send',
        channel: { $ref: '#/channels/c' },
        ...(operation === null ? {} : { security: operation.map(ref) }),
      },
    },
    components: { securitySchemes: schemes },
  };
  return HEADER3 + asYaml(body);
}

/** 2.x: one server, channel `c` with a `publish` operation; requirements as lists of AND-ed scheme names. */
function doc2(protocol: string, server: string[][], operation: string[][] | null, schemes: Schemes): string {
  const req = (alts: string[][]) => alts.map((names) => Object.fromEntries(names.map((n) => [n, []])));
  const body = {
    servers: { broker: { url: 'broker.example.com', protocol, security: req(server) } },
    channels: {
      c: { publish: { operationId: 'pub', ...(operation === null ? {} : { security: req(operation) }) } },
    },
    components: { securitySchemes: schemes },
  };
  return HEADER2 + asYaml(body);
}

const pw = { type: 'userPassword' };
const basic = { type: 'http', scheme: 'basic' };
const bearer = { type: 'http', scheme: 'bearer' };
const cert = { type: 'X509' };
const scram = { type: 'scramSha256' };
const plain = { type: 'plain' };

ruleTester(securityRequirementUnpresentable, {
  valid: [
    {
      name: '3.x mqtt: a password and a client certificate sit side by side',
      doc: doc3('mqtt', ['cert'], ['pw'], { cert, pw }),
    },
    {
      name: '3.x mqtt: an API key in the user name beside a token in the password',
      doc: doc3('secure-mqtt', ['key'], ['oauth'], { key: { type: 'apiKey', in: 'user' }, oauth }),
    },
    {
      name: '3.x mqtt: the same scheme on the server and the operation',
      doc: doc3('mqtt', ['pw'], ['pw'], { pw }),
    },
    {
      name: '3.x mqtt: two userPassword schemes read one store, one pair can satisfy both',
      doc: doc3('mqtt', ['pw'], ['pw2'], { pw, pw2: pw }),
    },
    {
      name: '3.x https: an API key header beside Authorization: Basic',
      doc: doc3('https', ['basic'], ['key'], { basic, key: { type: 'httpApiKey', in: 'header', name: 'X-Key' } }),
    },
    {
      name: '3.x https: userPassword and http basic both read Authorization: Basic',
      doc: doc3('https', ['pw'], ['basic'], { pw, basic }),
    },
    {
      name: '3.x https: http bearer and oauth2 both read Authorization: Bearer',
      doc: doc3('https', ['bearer'], ['oauth'], { bearer, oauth }),
    },
    {
      name: '3.x wss: basic in Authorization, the token in Sec-WebSocket-Protocol',
      doc: doc3('wss', ['basic'], ['oauth'], { basic, oauth }),
    },
    {
      name: '3.x kafka: userPassword and plain are both one SASL PLAIN pair',
      doc: doc3('kafka-secure', ['pw'], ['plain'], { pw, plain }),
    },
    {
      name: '3.x mqtt5 is not judged (enhanced authentication can carry another credential)',
      doc: doc3('mqtt5', ['pw'], ['oauth'], { pw, oauth }),
    },
    {
      name: '3.x amqp: a token is not judged (brokers carry it differently)',
      doc: doc3('amqps', ['scram'], ['oauth'], { scram, oauth }),
    },
    {
      name: '3.x an unknown protocol is not judged',
      doc: doc3('carrier-pigeon', ['pw'], ['oauth'], { pw, oauth }),
    },
    {
      name: '3.x an unresolved entry is not judged (security-ref-unresolved reports it)',
      doc: doc3('mqtt', ['pw'], ['missing'], { pw }),
    },
    {
      name: '2.x mqtt: userPassword AND X509 in one requirement',
      doc: doc2('mqtt', [['pw', 'cert']], [['pw']], { pw, cert }),
    },
    {
      name: '2.x https: no operation security, one Authorization credential',
      doc: doc2('https', [['basic'], ['bearer']], null, { basic, bearer }),
    },
  ],
  invalid: [
    {
      name: '3.x mqtt: a password on the server, an oauth2 token on the operation (the issue)',
      doc: doc3('mqtt', ['pw'], ['oauth'], { pw, oauth }),
      errors: [
        {
          messageId: 'unreachable',
          pointer: '/operations/pub/security',
          data: {
            operation: 'pub',
            server: 'broker',
            protocol: 'mqtt',
            why: "scheme 'pw' (user/password) and scheme 'oauth' (OAuth 2.0) both need the MQTT CONNECT password",
          },
        },
      ],
    },
    {
      name: '3.x mqtt: an API key in the user name beside a user/password pair',
      doc: doc3('mqtt', ['key'], ['pw'], { key: { type: 'apiKey', in: 'user' }, pw }),
      errors: [
        {
          messageId: 'unreachable',
          pointer: '/operations/pub/security',
          data: {
            why:
              "scheme 'key' (API key (as user or password)) and scheme 'pw' (user/password) both need the MQTT " +
              'CONNECT user name',
          },
        },
      ],
    },
    {
      name: '3.x https: http basic on the server, http bearer on the operation',
      doc: doc3('https', ['basic'], ['bearer'], { basic, bearer }),
      errors: [
        {
          messageId: 'unreachable',
          pointer: '/operations/pub/security',
          data: {
            why:
              "scheme 'basic' (HTTP authentication) and scheme 'bearer' (HTTP authentication) both need the one " +
              'HTTP Authorization header',
          },
        },
      ],
    },
    {
      name: '3.x ws: an httpApiKey header named Authorization is that one header',
      doc: doc3('ws', ['key'], ['basic'], { key: { type: 'httpApiKey', in: 'header', name: 'authorization' }, basic }),
      errors: [{ messageId: 'unreachable', pointer: '/operations/pub/security' }],
    },
    {
      name: '3.x kafka: two SASL mechanisms',
      doc: doc3('kafka', ['scram'], ['plain'], { scram, plain }),
      errors: [
        {
          messageId: 'unreachable',
          pointer: '/operations/pub/security',
          data: {
            why:
              "scheme 'scram' (SASL SCRAM-SHA-256) and scheme 'plain' (SASL PLAIN) both need the one SASL " +
              'mechanism of a connection',
          },
        },
      ],
    },
    {
      name: '3.x kafka: an oauth2 token is SASL OAUTHBEARER, not PLAIN',
      doc: doc3('kafka-secure', ['pw'], ['oauth'], { pw, oauth }),
      errors: [{ messageId: 'unreachable', pointer: '/operations/pub/security' }],
    },
    {
      name: '3.x mqtt: only some combinations clash (the certificate alternative works): a warning',
      doc: doc3('mqtt', ['pw', 'cert'], ['oauth'], { pw, cert, oauth }),
      errors: [
        {
          messageId: 'partial',
          pointer: '/operations/pub/security',
          severity: 'warning',
          data: { unpresentable: 1, total: 2, operation: 'pub', server: 'broker' },
        },
      ],
    },
    {
      name: '2.x mqtt: a password on the server, an oauth2 token on the operation',
      doc: doc2('mqtt', [['pw']], [['oauth']], { pw, oauth }),
      errors: [
        {
          messageId: 'unreachable',
          pointer: '/channels/c/publish/security',
          data: {
            operation: 'pub',
            why: "scheme 'pw' (user/password) and scheme 'oauth' (OAuth 2.0) both need the MQTT CONNECT password",
          },
        },
      ],
    },
    {
      name: '2.x https: basic AND bearer in one server requirement, no operation security',
      doc: doc2('https', [['basic', 'bearer']], null, { basic, bearer }),
      errors: [{ messageId: 'unreachable', pointer: '/channels/c/publish' }],
    },
    {
      name: '2.x kafka: one of two server alternatives clashes with the operation: a warning',
      doc: doc2('kafka', [['scram'], ['plain']], [['plain']], { scram, plain }),
      errors: [
        {
          messageId: 'partial',
          pointer: '/channels/c/publish/security',
          severity: 'warning',
          data: { unpresentable: 1, total: 2 },
        },
      ],
    },
  ],
});
