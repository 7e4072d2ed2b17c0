import type { Knex } from 'knex';

/**
 * Search indexes whose order is the result order. A prefix LIKE on a "C"-collated btree is a range
 * scan already sorted by (key, id), so a page stops after its rows: on a million users a common
 * three-letter prefix matches tens of thousands, and sorting them all for every keystroke cost
 * ~70 ms. The text_pattern_ops indexes they replace could find the rows but not order them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX users_name_search_idx ON users ((lower(name) COLLATE "C"), id)');
  await knex.raw('CREATE INDEX users_email_search_idx ON users ((lower(email) COLLATE "C"), id)');
  await knex.raw('DROP INDEX users_name_prefix_idx');
  await knex.raw('DROP INDEX users_email_prefix_idx');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX users_email_prefix_idx ON users (lower(email) text_pattern_ops)');
  await knex.raw('CREATE INDEX users_name_prefix_idx ON users (lower(name) text_pattern_ops, id)');
  await knex.raw('DROP INDEX users_email_search_idx');
  await knex.raw('DROP INDEX users_name_search_idx');
}
