/** Secrets the Worker under test is given (vitest.config.ts); shared with the tests that use them. */
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";
export const TEST_TOKEN_SECRET = "test-token-secret-0123456789abcdef";
