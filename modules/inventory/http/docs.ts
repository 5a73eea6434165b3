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
  productListResponse,
  productPageResponse,
  productResponse,
  relatedQuery,
  reservationResponse,
  restockBody,
  tagsQuery,
  tagsResponse,
  updateProductBody,
} from "./schemas.ts";

const product = "/inventory/products/:id";

export const inventoryDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/inventory/products",
    summary: "Add a product to the catalog (409 when the sku is taken); `featured` (default " +
      "false) puts it in the store's ad slot",
    access: "admin",
    status: 201,
    body: createProductBody,
    response: productResponse,
  },
  {
    method: "get",
    path: "/inventory/products",
    summary: "List products by creation, filtered by tag, text or `featured=true` (the " +
      "promoted ones; the filters combine), a page at a time",
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
    summary: "Change a product's name, price, description, tags or featured flag",
    access: "admin",
    status: 200,
    body: updateProductBody,
    response: productResponse,
  },
  {
    method: "get",
    path: `${product}/related`,
    summary: "Other products that go with this one: most often bought together (counted from " +
      "confirmed orders), then most tags shared, then newest; only products with one or the " +
      "other. `limit` default 4, at most 20; 404 for an unknown product",
    access: "open",
    status: 200,
    query: relatedQuery,
    response: productListResponse,
  },
  {
    method: "get",
    path: "/inventory/tags",
    summary: "The catalog's tags with how many products carry each, most used first " +
      "(`limit` default 100, at most 1000)",
    access: "open",
    status: 200,
    query: tagsQuery,
    response: tagsResponse,
  },
  {
    method: "get",
    path: "/inventory/reservations/:order_id",
    summary: "What inventory holds for an order: status held, committed (sold), returned, " +
      "released, lost (a product was deleted) or rejected, with the lines at their fixed " +
      "prices; 404 when inventory never heard of the order",
    access: "admin",
    status: 200,
    response: reservationResponse,
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
