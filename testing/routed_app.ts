/**
 * A module's routes on a root app with the process's error handling, as the
 * process mounts them; an error the handling did not expect (a 500) is kept
 * for the test to assert on instead of being logged.
 *
 * @module
 */
import { Hono } from "hono";
import { installErrorHandling } from "../lib/http.ts";

export interface RoutedApp {
  app: Hono;
  /** Errors that reached the error handling as unexpected: a test expects none. */
  unexpected: unknown[];
}

export function routedApp(routes: Hono): RoutedApp {
  const app = new Hono();
  const unexpected: unknown[] = [];
  installErrorHandling(app, (error) => unexpected.push(error));
  app.route("/", routes);
  return { app, unexpected };
}
