import type { NextFunction, Request, Response } from 'express';

import type { PortalApi } from './api-client.js';
import type { Locale, MessageKey } from './locale.js';
import type { Session } from './session.js';

/** Who a page is for. */
export type PageRole = 'citizen' | 'officer' | 'auditor' | 'agency-admin';

/** What a module of pages needs from the server: rendering, words, dates, and who is signed in. */
export interface PageKit {
  readonly api: PortalApi;
  /** The catalogue's service titles, by service id. */
  titles(): Promise<Map<string, string>>;
  render(req: Request, res: Response, view: string, context: Record<string, unknown>, status?: number): void;
  t(req: Request, key: MessageKey, values?: Record<string, string>): string;
  /** A date and time in the jurisdiction's time zone and the page's language. */
  when(req: Request, iso: string): string;
  locale(req: Request): Locale;
  wrap(
    handler: (req: Request, res: Response) => Promise<void>,
  ): (req: Request, res: Response, next: NextFunction) => void;
  /** The signed-in person in `role`, or undefined once it has answered (a redirect to sign in, a 403 page). */
  signedInAs(req: Request, res: Response, role: PageRole): Session | undefined;
  /** As signedInAs, for a form posted with the session's anti-forgery token (else a redirect to sign in). */
  postedBy(req: Request, res: Response, role: PageRole): Session | undefined;
}
