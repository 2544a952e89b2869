export interface Product {
  sku: string;
  name: string;
  /** Reference price in euro cents; {@link priceIn} converts it to the order's currency. */
  priceEurCents: number;
}

export interface Money {
  /** Integer in the currency's minor unit (cents, pence, yen). */
  amount: number;
  currency: string;
}

export const PRODUCTS: readonly Product[] = [
  { sku: 'SKU-10001', name: 'Espresso beans 1 kg', priceEurCents: 2490 },
  { sku: 'SKU-10002', name: 'Ceramic pour-over dripper', priceEurCents: 3200 },
  { sku: 'SKU-10003', name: 'Paper filters (100)', priceEurCents: 590 },
  { sku: 'SKU-10004', name: 'Stainless travel mug', priceEurCents: 2150 },
  { sku: 'SKU-10005', name: 'Burr grinder', priceEurCents: 8999 },
  { sku: 'SKU-20001', name: 'Merino wool socks', priceEurCents: 1499 },
  { sku: 'SKU-20002', name: 'Rain jacket', priceEurCents: 12900 },
  { sku: 'SKU-20003', name: 'Running shoes', priceEurCents: 11950 },
  { sku: 'SKU-20004', name: 'Cotton T-shirt', priceEurCents: 1990 },
  { sku: 'SKU-20005', name: 'Leather belt', priceEurCents: 3990 },
  { sku: 'SKU-30001', name: 'USB-C cable 2 m', priceEurCents: 1299 },
  { sku: 'SKU-30002', name: 'Wireless earbuds', priceEurCents: 7999 },
  { sku: 'SKU-30003', name: 'Mechanical keyboard', priceEurCents: 13900 },
  { sku: 'SKU-30004', name: 'Laptop stand', priceEurCents: 4590 },
  { sku: 'SKU-30005', name: 'Power bank 20000 mAh', priceEurCents: 3999 },
  { sku: 'SKU-40001', name: 'Hardcover notebook', priceEurCents: 1850 },
  { sku: 'SKU-40002', name: 'Fountain pen', priceEurCents: 5400 },
  { sku: 'SKU-40003', name: 'Desk lamp', priceEurCents: 6490 },
  { sku: 'SKU-40004', name: 'Cork desk mat', priceEurCents: 2700 },
  { sku: 'SKU-50001', name: 'Yoga mat', priceEurCents: 3490 },
  { sku: 'SKU-50002', name: 'Water bottle 750 ml', priceEurCents: 1790 },
  { sku: 'SKU-50003', name: 'Resistance bands set', priceEurCents: 2299 },
  { sku: 'SKU-60001', name: 'Olive oil 500 ml', priceEurCents: 1190 },
  { sku: 'SKU-60002', name: 'Dark chocolate bar', priceEurCents: 349 },
  { sku: 'SKU-60003', name: 'Green tea (50 bags)', priceEurCents: 699 },
  { sku: 'SKU-70001', name: 'Scented candle', priceEurCents: 2490 },
  { sku: 'SKU-70002', name: 'Linen tea towel', priceEurCents: 990 },
  { sku: 'SKU-70003', name: 'Houseplant pot', priceEurCents: 1590 },
];

export type DemoCurrency = 'EUR' | 'USD' | 'GBP' | 'BRL' | 'JPY';

/** Minor units of each currency per euro cent, rounded to demo precision. */
const MINOR_UNITS_PER_EUR_CENT: Readonly<Record<DemoCurrency, number>> = {
  EUR: 1,
  USD: 1.08,
  GBP: 0.85,
  BRL: 5.9,
  JPY: 1.6,
};

export function priceIn(product: Product, currency: DemoCurrency): Money {
  return { amount: Math.round(product.priceEurCents * MINOR_UNITS_PER_EUR_CENT[currency]), currency };
}
