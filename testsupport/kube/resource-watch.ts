import { type KubeConfig, type KubernetesObject, type KubernetesObjectApi, Watch } from '@kubernetes/client-node';
import { apiStatus } from './kube-clients.ts';
import { collectionPath, knownKind } from './object-ref.ts';

export interface WatchQuery {
  readonly kind: string;
  /** Undefined watches a cluster-scoped kind, or a namespaced kind in every namespace. */
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNC';

export interface WatchEvent<T> {
  readonly type: WatchEventType;
  /** Undefined for SYNC (a fresh list replaced the cache). */
  readonly object: T | undefined;
  /** performance.now() when the event reached this process. */
  readonly receivedAt: number;
}

/**
 * A small informer: lists, then watches from the list's resourceVersion, keeping a cache by name. A watch that
 * drops is resumed from the last resourceVersion seen; when that is too old (410 Gone) it lists again. When the
 * watch cannot be opened three times in a row it falls back to polling the list every `pollIntervalMs`, and tries
 * the watch again every ten polls (the server may be back, or the permission to watch granted).
 */
export class ResourceWatch<T extends KubernetesObject = KubernetesObject> {
  readonly query: WatchQuery;
  #config: KubeConfig;
  #objects: KubernetesObjectApi;
  #listener: (event: WatchEvent<T>) => void;
  #pollIntervalMs: number;
  #cache = new Map<string, T>();
  #resourceVersion = '';
  #closed = false;
  #abort: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failedOpens = 0;
  #polling = false;
  #pollingSince = 0;
  #opens = 0;
  #relists = 0;
  #expired = 0;
  #lastFailure: unknown;

  constructor(
    config: KubeConfig,
    objects: KubernetesObjectApi,
    query: WatchQuery,
    listener: (event: WatchEvent<T>) => void,
    options: { pollIntervalMs: number },
  ) {
    this.query = query;
    this.#config = config;
    this.#objects = objects;
    this.#listener = listener;
    this.#pollIntervalMs = options.pollIntervalMs;
  }

  /** Lists once (failing if that fails) and starts watching. */
  async start(): Promise<this> {
    await this.#list();
    this.#watch();
    return this;
  }

  items(): T[] {
    return [...this.#cache.values()];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#cache.get(`${namespace ?? this.query.namespace ?? ''}/${name}`);
  }

  /** How many times a watch connection was opened (more than 1: it dropped and was resumed or re-listed). */
  get watchesOpened(): number {
    return this.#opens;
  }

  /** How many times the objects were listed again after start (a watch expired, or could not be reopened). */
  get relists(): number {
    return this.#relists;
  }

  /** How many watches the server ended with 410 Gone (their resourceVersion was compacted away). */
  get expired(): number {
    return this.#expired;
  }

  /** Why the last list or watch could not be opened, until one succeeds again (e.g. the server is unreachable). */
  get failure(): unknown {
    return this.#lastFailure;
  }

  /** True while the watch is not available and the list is polled instead. */
  get polling(): boolean {
    return this.#polling;
  }

  close(): void {
    this.#closed = true;
    this.#abort?.abort();
    if (this.#timer) clearTimeout(this.#timer);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async #list(): Promise<void> {
    const info = knownKind(this.query.kind);
    if (!info) throw new Error(`cannot watch kind ${this.query.kind}`);
    const list = await this.#objects.list<T>(
      info.apiVersion,
      this.query.kind,
      this.query.namespace,
      undefined,
      undefined,
      undefined,
      this.query.fieldSelector,
      this.query.labelSelector,
    );
    if (this.#closed) return;
    this.#lastFailure = undefined;
    this.#cache.clear();
    for (const item of list.items) {
      item.kind ??= this.query.kind;
      item.apiVersion ??= info.apiVersion;
      this.#cache.set(keyOf(item), item);
    }
    this.#resourceVersion = list.metadata?.resourceVersion ?? '';
    this.#listener({ type: 'SYNC', object: undefined, receivedAt: performance.now() });
  }

  #watch(): void {
    if (this.#closed) return;
    if (this.#polling) {
      if (performance.now() - this.#pollingSince < this.#pollIntervalMs * 10) {
        this.#schedule(() => this.#relistThen(() => this.#watch()), this.#pollIntervalMs);
        return;
      }
      // one more try at watching; a refusal goes straight back to polling
      this.#polling = false;
      this.#failedOpens = 2;
    }
    // opened: the server answered 200 (an open watch that later drops or idles out is resumed, not a failed open)
    let opened = false;
    let ended = false;
    let gone = false;
    const openedAt = performance.now();
    this.#opens += 1;
    const path = collectionPath(this.query.kind, this.query.namespace);
    new Watch(this.#config)
      .watch(
        path,
        {
          resourceVersion: this.#resourceVersion || undefined,
          allowWatchBookmarks: true,
          labelSelector: this.query.labelSelector,
          fieldSelector: this.query.fieldSelector,
          timeoutSeconds: 300,
        },
        (type: string, object: T) => {
          opened = true;
          this.#failedOpens = 0;
          if (type === 'ERROR') {
            // a Status; 410 Gone: our resourceVersion is older than what the server keeps (compacted)
            gone = true;
            if ((object as { code?: number } | undefined)?.code === 410) this.#expired += 1;
            return;
          }
          const resourceVersion = object?.metadata?.resourceVersion;
          if (resourceVersion) this.#resourceVersion = resourceVersion;
          if (type === 'BOOKMARK') return;
          const info = knownKind(this.query.kind);
          object.kind ??= this.query.kind;
          object.apiVersion ??= info?.apiVersion;
          if (type === 'DELETED') this.#cache.delete(keyOf(object));
          else this.#cache.set(keyOf(object), object);
          this.#listener({ type: type as WatchEventType, object, receivedAt: performance.now() });
        },
        (error: unknown) => {
          ended = true;
          if (this.#closed) return;
          if ((error as { statusCode?: number })?.statusCode === 410) this.#expired += 1;
          if (!opened && error) {
            this.#failedOpens += 1;
            this.#lastFailure = error;
            if (this.#failedOpens >= 3) {
              this.#polling = true;
              this.#pollingSince = performance.now();
            }
          }
          if (gone || apiStatus(error) === 410 || (error as { statusCode?: number })?.statusCode === 410) {
            this.#relistThen(() => this.#watch());
          } else if (error && !opened) {
            this.#schedule(() => this.#relistThen(() => this.#watch()), Math.min(this.#pollIntervalMs, 1_000));
          } else if (performance.now() - openedAt < 1_000) {
            // a watch that ends as soon as it opened: resume, but not in a tight loop
            this.#schedule(() => this.#watch(), Math.min(this.#pollIntervalMs, 1_000));
          } else {
            this.#watch();
          }
        },
      )
      .then((abort) => {
        this.#abort = abort;
        if (!ended) {
          opened = true;
          this.#failedOpens = 0;
        }
        if (this.#closed) abort.abort();
      })
      .catch(() => this.#schedule(() => this.#watch(), this.#pollIntervalMs));
  }

  #relistThen(next: () => void): void {
    this.#relists += 1;
    const attempt = (): void => {
      this.#list().then(next, (error: unknown) => {
        this.#lastFailure = error;
        this.#schedule(attempt, this.#pollIntervalMs);
      });
    };
    attempt();
  }

  #schedule(fn: () => void, ms: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(fn, ms);
    this.#timer.unref?.();
  }
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}
