/**
 * Sets `key` in an isolate's memory of at most `max` entries. A new key that finds it full empties it
 * first: what is forgotten is looked up or worked out again, and an isolate rarely sees that many.
 * Setting a key it already holds never empties it.
 */
export function remember<K, V>(memory: Map<K, V>, max: number, key: K, value: V): void {
  if (memory.size >= max && !memory.has(key)) memory.clear();
  memory.set(key, value);
}
