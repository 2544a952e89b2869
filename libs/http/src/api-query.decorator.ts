import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';

interface ObjectJsonSchema {
  properties?: Record<string, Record<string, unknown>>;
  required?: string[];
}

/**
 * Documents every parameter of the zod schema a route validates its query
 * with as an OpenAPI query parameter (type, pattern, bounds, default,
 * description), so the document says exactly what the route accepts and
 * cannot drift from it. Nest's swagger module cannot see into a validation
 * pipe, and left such routes with no parameters at all.
 */
export function ApiQueryOf(schema: z.ZodObject): MethodDecorator {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as ObjectJsonSchema;
  const required = new Set(json.required ?? []);
  return applyDecorators(
    ...Object.entries(json.properties ?? {}).map(([name, property]) => {
      const { description, ...rest } = property;
      return ApiQuery({
        name,
        required: required.has(name),
        schema: rest,
        ...(typeof description === 'string' ? { description } : {}),
      });
    }),
  );
}
