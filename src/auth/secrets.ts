/**
 * Compares a given secret with the expected one in time that depends only on the given one's
 * length (which its sender knows), never on where they differ or on the expected one's length:
 * every character of the given secret is compared, against the expected one repeated. Synchronous,
 * so checking a request's token costs no call into the runtime's crypto. Pure.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const expectedLength = expected.length;
  let difference = given.length ^ expectedLength;
  for (let i = 0; i < given.length; i++) difference |= given.charCodeAt(i) ^ expected.charCodeAt(i % expectedLength);
  return difference === 0;
}
