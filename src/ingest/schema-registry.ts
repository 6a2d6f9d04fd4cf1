import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

/**
 * The Confluent-compatible schema registry client. Decoded schemas are cached by id inside
 * the client, so only the first message of each schema id costs a registry round trip.
 */
export function createSchemaRegistry(url: string): SchemaRegistry {
  return new SchemaRegistry({ host: url });
}
