export const TEMPLATE_DATABASE = `pointkeeper_test_template`;
