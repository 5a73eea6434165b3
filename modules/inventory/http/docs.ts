/**
 * Inventory's routes for the OpenAPI document.
 *
 * @module
 */
import type { RouteDoc } from "../../../lib/openapi.ts";
import {
  createProductBody,
  likesResponse,
  listQuery,
  productPageResponse,
  productResponse,
  restockBody,
  updateProductBody,
} from "./schemas.ts";

const product = "/inventory/products/:id";

export const inventoryDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/inventory/products",
    summary: "Add a product to the catalog (409 when the sku is taken)",
    access: "admin",
    status: 201,
    body: createProductBody,
    response: productResponse,
  },
  {
    method: "get",
    path: "/inventory/products",
    summary: "List products by creation, filtered by tag or text, a page at a time",
    access: "open",
    status: 200,
    query: listQuery,
    response: productPageResponse,
  },
  {
    method: "get",
    path: product,
    summary: "One product: stock is available to sell, reserved is held by orders in flight",
    access: "open",
    status: 200,
    response: productResponse,
  },
  {
    method: "patch",
    path: product,
    summary: "Change a product's name, price, description or tags",
    access: "admin",
    status: 200,
    body: updateProductBody,
    response: productResponse,
  },
  {
    method: "post",
    path: `${product}/restock`,
    summary: "Add units to the stock",
    access: "admin",
    status: 200,
    body: restockBody,
    response: productResponse,
  },
  {
    method: "delete",
    path: product,
    summary: "Remove a product; orders holding it lose their reservation",
    access: "admin",
    status: 204,
  },
  {
    method: "post",
    path: `${product}/likes`,
    summary: "Like a product (once per customer)",
    access: "customer",
    status: 200,
    response: likesResponse,
  },
];
