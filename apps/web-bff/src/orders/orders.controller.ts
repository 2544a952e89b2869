import { Controller, Get, Param, Query } from '@nestjs/common';
import { aggregate, optional, required, RequestDeadline, type Deadline } from '@app/aggregation';
import { CurrentUser, type Caller } from '@app/auth';
import { ApiAnswer, ApiQueryOf, ZodValidationPipe } from '@app/http';
import { OrderClient, UserClient } from '@app/service-clients';
import { ordersQuerySchema, type OrdersQuery } from './orders-query.dto.js';
import {
  webOrderDetailSchema,
  webOrderPageSchema,
  type WebOrderDetail,
  type WebOrderPage,
} from './web-orders.js';
import { toWebOrderDetail, toWebOrderPage } from './web-orders.mapper.js';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

@ApiTags('orders')
@ApiBearerAuth()
@Controller('web/orders')
export class OrdersController {
  constructor(
    private readonly orders: OrderClient,
    private readonly users: UserClient,
  ) {}

  @Get()
  @ApiAnswer(webOrderPageSchema, {
    staleOnError: 'age',
    summary: "A page of the caller's orders, newest first, optionally of one status",
    problems: ['validation', 'forbidden', 'bad-gateway', 'service-unavailable', 'gateway-timeout'],
  })
  @ApiQueryOf(ordersQuerySchema)
  async list(
    @CurrentUser() caller: Caller,
    @Query(new ZodValidationPipe(ordersQuerySchema, 'The query')) query: OrdersQuery,
    @RequestDeadline() deadline: Deadline,
  ): Promise<WebOrderPage> {
    const page = await this.orders.list({ userId: caller.id, ...query }, deadline.callOptions);
    return toWebOrderPage(page);
  }

  @Get(':id')
  @ApiAnswer(webOrderDetailSchema, {
    staleOnError: 'meta',
    summary: "The order with its lines and the customer; 404 when it is not the caller's",
    problems: ['forbidden', 'not-found', 'bad-gateway', 'service-unavailable', 'gateway-timeout'],
  })
  async detail(
    @CurrentUser() caller: Caller,
    @Param('id') orderId: string,
    @RequestDeadline() deadline: Deadline,
  ): Promise<WebOrderDetail> {
    const { values, meta } = await aggregate(deadline, {
      order: required((scope) => this.orders.getForUser(orderId, caller.id, scope)),
      customer: optional((scope) => this.users.get(caller.id, scope), null),
    });
    return toWebOrderDetail(values.order, values.customer, meta);
  }
}
