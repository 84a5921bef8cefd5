import type { Logger } from 'pino';
import { type BackupStorageLocation, validateResource } from '../api/index.ts';
import { errorMessage, isLifeboatError, LifeboatError } from '../core/errors.ts';
import type { DynamicClient, KubeObject } from '../kube/types.ts';
import { createObjectStore, type FsUrlSigner, type ObjectStore } from '../storage/index.ts';
import { LIFEBOAT_RESOURCES, SECRETS } from './resources.ts';

export interface StorageLocationsOptions {
  client: DynamicClient;
  /** The server's namespace: locations and their Secrets live there. */
  namespace: string;
  /** The location used when a Backup names none and no location is marked `spec.default`. */
  defaultLocation: string;
  /** The install-time Secret key used by locations without `spec.credential`; missing is fine (fs needs none). */
  defaultCredentials?: { name: string; key: string };
  /** Makes the download-URL signer of an fs location, by location name (the server's tokenized URLs). */
  fsSigner?: (location: string) => FsUrlSigner;
  /** Environment the entry point passed (Azure's key variable), never read here from process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  logger: Logger;
}

interface CachedStore {
  /** uid, generation and the credential Secrets' resourceVersions: any change builds a new store. */
  fingerprint: string;
  store: ObjectStore;
}

/**
 * BackupStorageLocation → ObjectStore: reads the location (spec.provider, objectStorage, config), its
 * credentials (`spec.credential`, else the install-time default Secret) and CA bundle (`caCertRef`), and
 * builds the store with `createObjectStore`, scoped to the location's bucket and prefix. Stores are cached
 * per location and rebuilt when the location's generation or a credential Secret changes. Credentials never
 * appear in errors or logs.
 */
export class StorageLocations {
  readonly #options: StorageLocationsOptions;
  readonly #cache = new Map<string, CachedStore>();

  constructor(options: StorageLocationsOptions) {
    this.#options = options;
  }

  get namespace(): string {
    return this.#options.namespace;
  }

  /** The location named `name`, parsed; undefined when it does not exist (or is not a valid location). */
  async get(name: string): Promise<BackupStorageLocation | undefined> {
    const object = await this.#options.client.get(
      LIFEBOAT_RESOURCES.BackupStorageLocation,
      this.namespace,
      name,
    );
    return object === undefined ? undefined : this.#parse(object);
  }

  /** Every valid location of the namespace, sorted by name. */
  async list(): Promise<BackupStorageLocation[]> {
    const out: BackupStorageLocation[] = [];
    for await (const page of this.#options.client.listPages(LIFEBOAT_RESOURCES.BackupStorageLocation, {
      namespace: this.namespace,
    }))
      for (const item of page.items) {
        const bsl = this.#parse(item);
        if (bsl) out.push(bsl);
      }
    return out.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  }

  /**
   * The name of the location a Backup uses: the one it names, else the location marked `spec.default` (the
   * oldest, if several are), else the server's configured default name (which may not exist).
   */
  async resolveName(requested: string | undefined): Promise<string> {
    if (requested) return requested;
    const defaults = (await this.list()).filter((bsl) => bsl.spec.default === true);
    if (defaults.length > 1) {
      defaults.sort((a, b) =>
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
      );
      this.#options.logger.warn(
        { locations: defaults.map((d) => d.metadata.name) },
        'several backup storage locations are marked default; using the oldest',
      );
    }
    return defaults[0]?.metadata.name ?? this.#options.defaultLocation;
  }

  /** The ObjectStore of `bsl`, built on first use and kept until the location or its Secrets change. */
  async store(bsl: BackupStorageLocation): Promise<ObjectStore> {
    const name = bsl.metadata.name ?? '';
    const credentials = await this.#credentials(bsl);
    const caCert = await this.#caCert(bsl);
    const fingerprint = [bsl.metadata.uid, bsl.metadata.generation, credentials.version, caCert.version].join(
      '/',
    );
    const cached = this.#cache.get(name);
    if (cached && cached.fingerprint === fingerprint) return cached.store;
    if (cached) await this.#close(name, cached.store);
    const config: Record<string, string> = { ...(bsl.spec.config ?? {}) };
    if (caCert.text !== undefined) config.caCert = caCert.text;
    else if (bsl.spec.objectStorage.caCert) config.caCert = bsl.spec.objectStorage.caCert;
    const store = await createObjectStore(
      bsl.spec.provider,
      bsl.spec.objectStorage.bucket,
      bsl.spec.objectStorage.prefix,
      config,
      credentials.text,
      { fsSigner: this.#options.fsSigner?.(name), env: this.#options.env },
    );
    this.#cache.set(name, { fingerprint, store });
    return store;
  }

  /** Drops the cached store of a location (deleted, or known to have changed). */
  async forget(name: string): Promise<void> {
    const cached = this.#cache.get(name);
    this.#cache.delete(name);
    if (cached) await this.#close(name, cached.store);
  }

  /** Closes every cached store. */
  async close(): Promise<void> {
    for (const name of [...this.#cache.keys()]) await this.forget(name);
  }

  #parse(object: KubeObject): BackupStorageLocation | undefined {
    const result = validateResource('BackupStorageLocation', object);
    if (result.ok) return result.value;
    this.#options.logger.warn(
      { location: object.metadata?.name, issues: result.issues.slice(0, 3) },
      'ignoring an invalid backup storage location',
    );
    return undefined;
  }

  async #credentials(bsl: BackupStorageLocation): Promise<{ text?: string; version: string }> {
    const selector = bsl.spec.credential;
    if (selector?.name)
      return this.#secretKey(selector.name, selector.key, selector.optional === true, 'spec.credential');
    const fallback = this.#options.defaultCredentials;
    if (fallback) return this.#secretKey(fallback.name, fallback.key, true, 'spec.credential');
    return { version: '-' };
  }

  async #caCert(bsl: BackupStorageLocation): Promise<{ text?: string; version: string }> {
    const ref = bsl.spec.objectStorage.caCertRef;
    if (!ref?.name) return { version: '-' };
    return this.#secretKey(ref.name, ref.key, ref.optional === true, 'spec.objectStorage.caCertRef');
  }

  async #secretKey(
    name: string,
    key: string,
    optional: boolean,
    field: string,
  ): Promise<{ text?: string; version: string }> {
    let secret: KubeObject | undefined;
    try {
      secret = await this.#options.client.get(SECRETS, this.namespace, name);
    } catch (err) {
      if (!isLifeboatError(err, 'PermissionDenied')) throw err;
      throw new LifeboatError(
        'PermissionDenied',
        `cannot read Secret ${this.namespace}/${name}: ${errorMessage(err)}`,
        {
          field,
        },
      );
    }
    const data = (secret?.data ?? {}) as Record<string, string>;
    if (secret === undefined || data[key] === undefined) {
      if (optional) return { version: `absent:${name}` };
      const what =
        secret === undefined
          ? `Secret ${this.namespace}/${name} not found`
          : `Secret ${name} has no key ${key}`;
      throw new LifeboatError('Invalid', what, { field });
    }
    return {
      text: Buffer.from(data[key], 'base64').toString('utf8'),
      version: `${name}@${secret.metadata?.resourceVersion ?? ''}`,
    };
  }

  async #close(name: string, store: ObjectStore): Promise<void> {
    try {
      await store.close?.();
    } catch (err) {
      this.#options.logger.debug(
        { location: name, err: errorMessage(err) },
        'closing an object store failed',
      );
    }
  }
}
