/**
 * The user search box's element id: the global shortcuts (/ and Ctrl+K) focus it, the Users
 * screen renders it. Here, below both, so neither imports the other (that made an import cycle).
 */
export const SEARCH_INPUT_ID = 'user-search';
