import { Controller, Get, Param, Query } from '@nestjs/common';
import { RequestDeadline, type Deadline } from '@app/aggregation';
import { CurrentUser, type Caller } from '@app/auth';
import { ApiAnswer, ApiQueryOf, ZodValidationPipe } from '@app/http';
import { ORDER_CURSOR_PATTERN, OrderClient } from '@app/service-clients';
import { z } from 'zod';
import {
  mobileOrderDetailSchema,
  mobileOrderPageSchema,
  type MobileOrderDetail,
  type MobileOrderPage,
} from './mobile-orders.js';
import { MOBILE_PAGE_SIZE, toMobileOrderDetail, toMobileOrderPage } from './mobile-orders.mapper.js';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

const historyQuerySchema = z.strictObject({
  cursor: z
    .string()
    .regex(ORDER_CURSOR_PATTERN, { error: 'must be a cursor from a previous page' })
    .optional()
    .describe("The previous page's nextCursor; leave it out for the first page"),
});

@ApiTags('orders')
@ApiBearerAuth()
@Controller('mobile/orders')
export class MobileOrdersController {
  constructor(private readonly orders: OrderClient) {}

  @Get()
  @ApiAnswer(mobileOrderPageSchema, {
    staleOnError: 'age',
    summary: 'A page of the order history, newest first',
    problems: ['validation', 'forbidden', 'bad-gateway', 'service-unavailable', 'gateway-timeout'],
  })
  @ApiQueryOf(historyQuerySchema)
  async history(
    @CurrentUser() caller: Caller,
    @Query(new ZodValidationPipe(historyQuerySchema, 'The query')) query: z.infer<typeof historyQuerySchema>,
    @RequestDeadline() deadline: Deadline,
  ): Promise<MobileOrderPage> {
    const page = await this.orders.list(
      { userId: caller.id, limit: MOBILE_PAGE_SIZE, cursor: query.cursor },
      deadline.callOptions,
    );
    return toMobileOrderPage(page);
  }

  @Get(':id')
  @ApiAnswer(mobileOrderDetailSchema, {
    staleOnError: 'age',
    summary: "One of the caller's orders",
    problems: ['forbidden', 'not-found', 'bad-gateway', 'service-unavailable', 'gateway-timeout'],
  })
  async detail(
    @CurrentUser() caller: Caller,
    @Param('id') orderId: string,
    @RequestDeadline() deadline: Deadline,
  ): Promise<MobileOrderDetail> {
    return toMobileOrderDetail(await this.orders.getForUser(orderId, caller.id, deadline.callOptions));
  }
}
