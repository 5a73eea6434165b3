/**
 * The OpenAPI document, generated from the zod schemas each module declares
 * beside its routes.
 *
 * @module
 */
import { z } from "zod";

export type Access = "open" | "admin" | "customer" | "admin or customer";

export interface RouteDoc {
  method: "get" | "post" | "patch" | "put" | "delete";
  /** Hono style: `/inventory/products/:id`. */
  path: string;
  summary: string;
  access: Access;
  status: number;
  body?: z.ZodType;
  query?: z.ZodObject;
  response?: z.ZodType;
}

function jsonSchema(schema: z.ZodType): unknown {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return rest;
}

export function openApiDocument(routes: RouteDoc[], version: string): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, "{$1}");
    const parameters = [
      ...[...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
        name: m[1],
        in: "path",
        required: true,
        schema: { type: "string" },
      })),
      ...Object.entries(route.query?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: "query",
        required: !(schema as z.ZodType).safeParse(undefined).success,
        schema: jsonSchema(schema as z.ZodType),
      })),
    ];
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      description: `Access: ${route.access}.`,
      ...(route.access === "open" ? {} : { security: [{ bearer: [] }] }),
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: jsonSchema(route.body) } },
          },
        }
        : {}),
      responses: {
        [String(route.status)]: {
          description: "Success",
          ...(route.response
            ? { content: { "application/json": { schema: jsonSchema(route.response) } } }
            : {}),
        },
        default: { description: "Error: `{error: {code, message, details}}`" },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "bazaar", version },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    paths,
  };
}
