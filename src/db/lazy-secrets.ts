/** Opens one ciphertext read from the row `owner` (its id); `field` is its dotted path (for the error it may log). */
export type OpenSecret = (owner: string, text: string, field: string) => unknown;

/** What a sealed object still holds encrypted: its own ciphertexts by key, and how to open them. */
interface Sealed {
  owner: string;
  /** The object's dotted path in the row ("" for the top level). */
  path: string;
  texts: Record<string, string>;
}

/**
 * Makes every encrypted string in a freshly parsed JSON column decrypt when first read rather than now: a replica
 * loading 10,000 deployments does not decrypt 10,000 keys to start, and only deployments that are called or shown
 * ever hold a plaintext secret. A secret is a getter that decrypts once and then replaces itself with the plain value;
 * spreading, JSON.stringify and Object.entries read through it like any property, and what routing reads (model, rpm,
 * api_base without credentials...) never triggers it.
 *
 * Memory is the reason for the shape: redefining a parsed object's property as a getter turns the object into a
 * dictionary (~0.5 KB each), and a getter closure per secret gives every object a hidden class of its own. So an
 * object holding secrets is rebuilt in its key order with one shared getter per key name, its ciphertexts kept aside
 * in a WeakMap: objects with the same keys share one hidden class (about 6 MB less for 10,000 deployments).
 */
export function createLazySecrets(isEncrypted: (text: unknown) => text is string, open: OpenSecret) {
  const sealed = new WeakMap<object, Sealed>();
  const getters = new Map<string, () => unknown>();

  const getterFor = (key: string) => {
    let getter = getters.get(key);
    if (!getter) {
      getter = function (this: Record<string, unknown>) {
        const own = sealed.get(this);
        const text = own?.texts[key];
        // Reached only through an object this module built, so `own` and `text` are there until opened.
        if (own === undefined || text === undefined) return undefined;
        const plain = open(own.owner, text, own.path ? `${own.path}.${key}` : key);
        Object.defineProperty(this, key, { value: plain, enumerable: true, configurable: true, writable: true });
        return plain;
      };
      getters.set(key, getter);
    }
    return getter;
  };

  /** An array element stays a closure of its own: secrets in lists are rare, and arrays have no hidden class to share. */
  const sealElement = (list: unknown[], index: number, text: string, path: string, owner: string) => {
    Object.defineProperty(list, index, {
      enumerable: true,
      configurable: true,
      get() {
        const plain = open(owner, text, path);
        Object.defineProperty(list, index, { value: plain, enumerable: true, configurable: true, writable: true });
        return plain;
      },
    });
  };

  const seal = (value: unknown, path: string, owner: string): unknown => {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) {
      value.forEach((inner: unknown, index) => {
        const at = `${path}[${index}]`;
        if (isEncrypted(inner)) sealElement(value, index, inner, at, owner);
        else value[index] = seal(inner, at, owner);
      });
      return value;
    }
    const source = value as Record<string, unknown>;
    const keys = Object.keys(source);
    const nested = (key: string) => seal(source[key], path ? `${path}.${key}` : key, owner);
    if (!keys.some((key) => isEncrypted(source[key]))) {
      for (const key of keys) source[key] = nested(key);
      return source;
    }
    const texts: Record<string, string> = {};
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const inner = source[key];
      if (isEncrypted(inner)) {
        texts[key] = inner;
        Object.defineProperty(out, key, { get: getterFor(key), enumerable: true, configurable: true });
      } else {
        out[key] = nested(key);
      }
    }
    sealed.set(out, { owner, path, texts });
    return out;
  };

  /** Row `owner`'s `params` with their ciphertexts sealed behind getters: a new object where it held any, else `params`. */
  return (params: Record<string, unknown>, owner: string): Record<string, unknown> =>
    seal(params, "", owner) as Record<string, unknown>;
}
