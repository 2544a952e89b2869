import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

/**
 * Prometheus scrapes `/metrics`. It is for operators, not clients, so it stays
 * out of the OpenAPI document; the apps make it public and unthrottled, as
 * they do health, since a scraper carries no token and polls on a timer.
 */
@ApiExcludeController()
@Controller(METRICS_PATH)
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.text();
  }
}
