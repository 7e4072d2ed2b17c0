/**
 * What SQL looks like in an error message: knex prefixes a failed query's text ("select … - "),
 * and a message built around one carries it on. Such a message is never shown to a person.
 */
const SQL =
  /\bselect\b[\s\S]*\bfrom\b|\bselect\s+[\w"]+\s*\(|\binsert\s+into\b|\bupdate\s+"?\w+"?\s+set\b|\bdelete\s+from\b|\breturning\b|\$\d+\b/i;
export const looksLikeSql = (text: string) => SQL.test(text);

/** The server's own words, without the query knex put in front of them. */
export function serverMessage(error: { message?: string }): string {
  const text = error.message ?? '';
  const cut = text.lastIndexOf(' - ');
  return cut >= 0 && looksLikeSql(text.slice(0, cut)) ? text.slice(cut + 3) : text;
}
