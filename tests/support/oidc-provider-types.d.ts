// oidc-provider ships no TypeScript types; the test provider uses this much of it.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export interface ProviderGrant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export interface ProviderContext {
    oidc: {
      client?: { clientId: string };
      session?: { accountId?: string };
      provider: { Grant: new (init: { clientId: string; accountId: string }) => ProviderGrant };
    };
  }

  /** The koa context of provider middleware (`provider.use`). */
  export interface ProviderMiddlewareContext {
    path: string;
    status: number;
    oidc?: { params?: Record<string, unknown> };
  }

  export default class Provider {
    use(middleware: (ctx: ProviderMiddlewareContext, next: () => Promise<void>) => Promise<void>): void;
    constructor(issuer: string, configuration: Record<string, unknown>);
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
