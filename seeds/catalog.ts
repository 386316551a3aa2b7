/**
 * Static catalog for the Workroom demo agencies.
 *
 * Pure data: no runtime imports. A seed generator turns this into rows
 * (tenants, users, clients, brands, campaigns) and resolves relative dates:
 * a campaign starts on `today + startOffsetDays` and ends
 * `durationWeeks * 7` days later.
 *
 * Conventions
 * - Person e-mail = `${person.key}@${tenant.domain}`.
 * - Client keys are short slugs (`aurora`), brand keys are `client-brand`
 *   slugs (`aurora-air`), campaign keys are slugs of the campaign name
 *   (`aurora-air-spring-launch`). Keys are unique within a tenant and, for
 *   clients/brands/campaigns, also across tenants.
 * - Campaign codes are `<CLIENT CODE>-<YEAR>-<NN>` and unique per tenant.
 * - Budgets are whole units of the tenant's currency
 *   (Northwind: GBP, Southpaw: USD).
 * - Status vs dates: `completed`/`archived` campaigns have already ended,
 *   `active` ones started in the past and end in the future, `draft` and
 *   `planning` ones start in the future.
 */

export type Role = 'leadership' | 'finance' | 'pm' | 'admin' | 'account' | 'creative'

export type CampaignStatus =
  | 'draft'
  | 'planning'
  | 'active'
  | 'on_hold'
  | 'completed'
  | 'cancelled'
  | 'archived'

export interface CatalogCampaign {
  key: string
  name: string
  code: string
  status: CampaignStatus
  campaignType: string
  objective: string
  /** start date = today + startOffsetDays */
  startOffsetDays: number
  durationWeeks: number
  budget: number
  /**
   * People on the campaign's team whatever the seeded draw gives it (person keys). The README's
   * examples run as the README's people, and a creative or account person sees a campaign only
   * when they are on it (RLS), so each of them is put on the campaign the examples name.
   */
  team?: string[]
}

export interface CatalogBrand {
  key: string
  name: string
  category: string
  campaigns: CatalogCampaign[]
}

export interface CatalogClient {
  key: string
  name: string
  code: string
  industry: string
  brands: CatalogBrand[]
}

export interface CatalogPerson {
  key: string
  name: string
  role: Role
  department: string
  title: string
  weeklyCapacityHours: number
  costRate: number
  billRate: number
}

/**
 * The agency as its own client: one campaign per code its timesheet policy names for time no
 * client pays for (policy §4, "Non-billable codes"). Everyone in the tenant sees them and logs to
 * them like any campaign; the time is never billable (migration 020). No dates, budget, phases or
 * team: they are open all year and belong to nobody in particular.
 */
export interface CatalogInternal {
  name: string
  code: string
  campaigns: Array<{ key: string; name: string; code: string; objective: string }>
}

export interface CatalogTenant {
  slug: string
  name: string
  domain: string
  timezone: string
  /** BCP 47: how the agency writes numeric dates (workroom.tenants.locale). */
  locale: string
  clients: CatalogClient[]
  people: CatalogPerson[]
  internal?: CatalogInternal
}

// ---------------------------------------------------------------------------
// Northwind Creative (London) — the main demo tenant
// ---------------------------------------------------------------------------

const NORTHWIND_CLIENTS: CatalogClient[] = [
  {
    key: 'aurora',
    name: 'Aurora Athletics',
    code: 'AUR',
    industry: 'Sportswear',
    brands: [
      {
        key: 'aurora-air',
        name: 'Aurora Air',
        category: 'Running footwear',
        campaigns: [
          {
            key: 'aurora-air-spring-launch',
            name: 'Aurora Air Spring Launch',
            code: 'AUR-2026-01',
            status: 'active',
            campaignType: 'Product launch',
            objective: 'Launch the Aurora Air 3 running shoe and drive 40,000 pre-orders across UK and Ireland.',
            startOffsetDays: -40,
            durationWeeks: 12,
            budget: 420000,
            team: ['daniel.kim', 'arjun.mehta'],
          },
          {
            key: 'aurora-air-marathon-sponsorship',
            name: 'Aurora Air Marathon Sponsorship',
            code: 'AUR-2025-03',
            status: 'archived',
            campaignType: 'Sponsorship',
            objective: 'Activate the city marathon title sponsorship with on-course experiential and social content.',
            startOffsetDays: -200,
            durationWeeks: 10,
            budget: 310000,
          },
        ],
      },
      {
        key: 'aurora-trail',
        name: 'Aurora Trail',
        category: 'Trail running gear',
        campaigns: [
          {
            key: 'aurora-trail-ultra-series',
            name: 'Aurora Trail Ultra Series',
            code: 'AUR-2026-02',
            status: 'planning',
            campaignType: 'Content series',
            objective: 'Build credibility with serious trail runners through a six-part documentary series.',
            startOffsetDays: 21,
            durationWeeks: 16,
            budget: 260000,
          },
        ],
      },
      {
        key: 'aurora-kids',
        name: 'Aurora Kids',
        category: 'Children\'s sportswear',
        campaigns: [
          {
            key: 'aurora-kids-back-to-school',
            name: 'Aurora Kids Back to School',
            code: 'AUR-2026-03',
            status: 'draft',
            campaignType: 'Seasonal promotion',
            objective: 'Win the back-to-school footwear purchase with parents of 5–11 year olds.',
            startOffsetDays: 55,
            durationWeeks: 8,
            budget: 95000,
          },
        ],
      },
    ],
  },
  {
    key: 'fizzwell',
    name: 'Fizzwell Beverages',
    code: 'FZW',
    industry: 'Beverages',
    brands: [
      {
        key: 'fizzwell-original',
        name: 'Fizzwell Original',
        category: 'Sparkling soft drinks',
        campaigns: [
          {
            key: 'fizzwell-summer-refresh',
            name: 'Fizzwell Summer Refresh',
            code: 'FZW-2026-01',
            status: 'active',
            campaignType: 'Brand awareness',
            objective: 'Reposition Fizzwell Original as the go-to summer mixer and lift prompted awareness by 8 points.',
            startOffsetDays: -30,
            durationWeeks: 14,
            budget: 380000,
          },
          {
            key: 'fizzwell-winter-sparkle',
            name: 'Fizzwell Winter Sparkle',
            code: 'FZW-2026-02',
            status: 'completed',
            campaignType: 'Seasonal promotion',
            objective: 'Drive festive multipack sales in the top four grocery chains.',
            startOffsetDays: -150,
            durationWeeks: 8,
            budget: 185000,
          },
        ],
      },
      {
        key: 'fizzwell-zero',
        name: 'Fizzwell Zero',
        category: 'Sugar-free soft drinks',
        campaigns: [
          {
            key: 'fizzwell-zero-sugar-challenge',
            name: 'Fizzwell Zero Sugar Challenge',
            code: 'FZW-2026-03',
            status: 'active',
            campaignType: 'Sampling and social',
            objective: 'Convince full-sugar cola drinkers to switch via a blind-taste challenge and 1.2m samples.',
            startOffsetDays: -65,
            durationWeeks: 20,
            budget: 275000,
          },
        ],
      },
      {
        key: 'hopscotch-cold-brew',
        name: 'Hopscotch Cold Brew',
        category: 'Ready-to-drink coffee',
        campaigns: [
          {
            key: 'hopscotch-cold-brew-launch',
            name: 'Hopscotch Cold Brew Launch',
            code: 'FZW-2026-04',
            status: 'on_hold',
            campaignType: 'Product launch',
            objective: 'Introduce Hopscotch canned cold brew to commuters in London and Manchester.',
            startOffsetDays: -10,
            durationWeeks: 10,
            budget: 140000,
          },
        ],
      },
    ],
  },
  {
    key: 'ledgerly',
    name: 'Ledgerly',
    code: 'LDG',
    industry: 'Fintech',
    brands: [
      {
        key: 'ledgerly-pay',
        name: 'Ledgerly Pay',
        category: 'Consumer payments app',
        campaigns: [
          {
            key: 'ledgerly-pay-instant-transfers',
            name: 'Ledgerly Pay Instant Transfers',
            code: 'LDG-2026-01',
            status: 'active',
            campaignType: 'Acquisition',
            objective: 'Acquire 150,000 new verified app users by promoting free instant transfers.',
            startOffsetDays: -55,
            durationWeeks: 18,
            budget: 230000,
          },
          {
            key: 'ledgerly-pay-student-card',
            name: 'Ledgerly Pay Student Card',
            code: 'LDG-2026-02',
            status: 'cancelled',
            campaignType: 'Acquisition',
            objective: 'Launch a prepaid card for university students during freshers\' weeks.',
            startOffsetDays: -20,
            durationWeeks: 6,
            budget: 60000,
          },
        ],
      },
      {
        key: 'ledgerly-business',
        name: 'Ledgerly Business',
        category: 'SME banking',
        campaigns: [
          {
            key: 'ledgerly-business-founders-fund',
            name: 'Ledgerly Business Founders Fund',
            code: 'LDG-2026-03',
            status: 'planning',
            campaignType: 'B2B awareness',
            objective: 'Position Ledgerly Business as the bank for first-time founders via a £100k grant programme.',
            startOffsetDays: 30,
            durationWeeks: 12,
            budget: 160000,
          },
        ],
      },
    ],
  },
  {
    key: 'corvid',
    name: 'Corvid Motors',
    code: 'CRV',
    industry: 'Automotive',
    brands: [
      {
        key: 'corvid-volta',
        name: 'Corvid Volta',
        category: 'Electric SUV',
        campaigns: [
          {
            key: 'corvid-volta-reveal',
            name: 'Corvid Volta Reveal',
            code: 'CRV-2026-01',
            status: 'active',
            campaignType: 'Product launch',
            objective: 'Reveal the all-electric Volta SUV and secure 6,500 paid reservations.',
            startOffsetDays: -80,
            durationWeeks: 26,
            budget: 750000,
          },
          {
            key: 'corvid-volta-test-drive-tour',
            name: 'Corvid Volta Test Drive Tour',
            code: 'CRV-2026-02',
            status: 'planning',
            campaignType: 'Experiential',
            objective: 'Tour eight UK cities with pop-up test drives to convert reservations into orders.',
            startOffsetDays: 45,
            durationWeeks: 10,
            budget: 290000,
          },
        ],
      },
      {
        key: 'corvid-ranger',
        name: 'Corvid Ranger',
        category: 'Pickup truck',
        campaigns: [
          {
            key: 'corvid-ranger-off-grid',
            name: 'Corvid Ranger Off-Grid',
            code: 'CRV-2026-03',
            status: 'active',
            campaignType: 'Brand awareness',
            objective: 'Show the Ranger as the toughest working vehicle for farmers and tradespeople.',
            startOffsetDays: -14,
            durationWeeks: 16,
            budget: 520000,
          },
        ],
      },
      {
        key: 'corvid-certified',
        name: 'Corvid Certified',
        category: 'Approved used cars',
        campaigns: [
          {
            key: 'corvid-certified-trade-in-weekend',
            name: 'Corvid Certified Trade-In Weekend',
            code: 'CRV-2026-04',
            status: 'completed',
            campaignType: 'Retail promotion',
            objective: 'Drive dealership footfall for a national trade-in weekend.',
            startOffsetDays: -120,
            durationWeeks: 4,
            budget: 45000,
          },
        ],
      },
    ],
  },
  {
    key: 'halcyon',
    name: 'Halcyon Beauty',
    code: 'HAL',
    industry: 'Cosmetics',
    brands: [
      {
        key: 'halcyon-glow',
        name: 'Halcyon Glow',
        category: 'Skincare',
        campaigns: [
          {
            key: 'halcyon-glow-serum-launch',
            name: 'Halcyon Glow Serum Launch',
            code: 'HAL-2026-01',
            status: 'active',
            campaignType: 'Product launch',
            objective: 'Launch the Daybreak vitamin C serum and reach 25,000 units sold in the first 12 weeks.',
            startOffsetDays: -35,
            durationWeeks: 12,
            budget: 340000,
          },
          {
            key: 'halcyon-glow-holiday-gifting',
            name: 'Halcyon Glow Holiday Gifting',
            code: 'HAL-2025-04',
            status: 'archived',
            campaignType: 'Seasonal promotion',
            objective: 'Sell festive gift sets through department stores and the Halcyon web shop.',
            startOffsetDays: -190,
            durationWeeks: 8,
            budget: 210000,
          },
        ],
      },
      {
        key: 'halcyon-men',
        name: 'Halcyon Men',
        category: 'Men\'s grooming',
        campaigns: [
          {
            key: 'halcyon-men-barber-series',
            name: 'Halcyon Men Barber Series',
            code: 'HAL-2026-02',
            status: 'active',
            campaignType: 'Influencer',
            objective: 'Partner with 12 independent barbers to create grooming tutorials for social.',
            startOffsetDays: -90,
            durationWeeks: 20,
            budget: 125000,
          },
        ],
      },
      {
        key: 'halcyon-botanica',
        name: 'Halcyon Botanica',
        category: 'Natural body care',
        campaigns: [
          {
            key: 'halcyon-botanica-refill-pledge',
            name: 'Halcyon Botanica Refill Pledge',
            code: 'HAL-2026-03',
            status: 'draft',
            campaignType: 'Sustainability',
            objective: 'Encourage customers to switch to in-store refill stations for body wash.',
            startOffsetDays: 60,
            durationWeeks: 8,
            budget: 70000,
          },
        ],
      },
    ],
  },
  {
    key: 'brightbasket',
    name: 'Brightbasket',
    code: 'BBK',
    industry: 'Grocery retail',
    brands: [
      {
        key: 'brightbasket-stores',
        name: 'Brightbasket Stores',
        category: 'Supermarkets',
        campaigns: [
          {
            key: 'brightbasket-price-promise',
            name: 'Brightbasket Price Promise',
            code: 'BBK-2026-01',
            status: 'active',
            campaignType: 'Always-on retail',
            objective: 'Communicate the price-match promise on 1,000 staples and grow weekly shoppers by 5%.',
            startOffsetDays: -100,
            durationWeeks: 26,
            budget: 480000,
          },
          {
            key: 'brightbasket-harvest-festival',
            name: 'Brightbasket Harvest Festival',
            code: 'BBK-2026-02',
            status: 'planning',
            campaignType: 'Seasonal promotion',
            objective: 'Celebrate British growers with an in-store harvest festival and local supplier stories.',
            startOffsetDays: 14,
            durationWeeks: 6,
            budget: 110000,
          },
        ],
      },
      {
        key: 'brightbasket-own-label',
        name: 'Brightbasket Own Label',
        category: 'Private-label food',
        campaigns: [
          {
            key: 'brightbasket-own-label-taste-test',
            name: 'Brightbasket Own Label Taste Test',
            code: 'BBK-2026-03',
            status: 'completed',
            campaignType: 'Sampling and social',
            objective: 'Prove own-label quality against branded equivalents with public blind tastings.',
            startOffsetDays: -140,
            durationWeeks: 10,
            budget: 150000,
          },
        ],
      },
    ],
  },
  {
    key: 'wayfarer',
    name: 'Wayfarer Travel Group',
    code: 'WAY',
    industry: 'Travel',
    brands: [
      {
        key: 'wayfarer-escapes',
        name: 'Wayfarer Escapes',
        category: 'Package holidays',
        campaigns: [
          {
            key: 'wayfarer-escapes-late-summer-sale',
            name: 'Wayfarer Escapes Late Summer Sale',
            code: 'WAY-2026-01',
            status: 'active',
            campaignType: 'Sales promotion',
            objective: 'Fill remaining late-summer inventory with a two-week flash sale and CRM push.',
            startOffsetDays: -25,
            durationWeeks: 10,
            budget: 260000,
          },
          {
            key: 'wayfarer-escapes-winter-sun',
            name: 'Wayfarer Escapes Winter Sun',
            code: 'WAY-2025-02',
            status: 'archived',
            campaignType: 'Seasonal promotion',
            objective: 'Sell winter-sun breaks to the Canaries and Egypt to over-50s couples.',
            startOffsetDays: -180,
            durationWeeks: 12,
            budget: 240000,
          },
        ],
      },
      {
        key: 'wayfarer-rail-pass',
        name: 'Wayfarer Rail Pass',
        category: 'Rail travel',
        campaigns: [
          {
            key: 'wayfarer-rail-pass-europe-explorer',
            name: 'Wayfarer Rail Pass Europe Explorer',
            code: 'WAY-2026-03',
            status: 'on_hold',
            campaignType: 'Acquisition',
            objective: 'Sell multi-country rail passes to 18–30 year olds as a flight-free alternative.',
            startOffsetDays: -45,
            durationWeeks: 14,
            budget: 195000,
          },
        ],
      },
    ],
  },
  {
    key: 'tidewave',
    name: 'Tidewave Telecom',
    code: 'TDW',
    industry: 'Telecommunications',
    brands: [
      {
        key: 'tidewave-fibre',
        name: 'Tidewave Fibre',
        category: 'Home broadband',
        campaigns: [
          {
            key: 'tidewave-fibre-full-speed',
            name: 'Tidewave Fibre Full Speed',
            code: 'TDW-2026-01',
            status: 'active',
            campaignType: 'Acquisition',
            objective: 'Sign up 45,000 households to 900 Mbps full-fibre broadband in newly built areas.',
            startOffsetDays: -70,
            durationWeeks: 20,
            budget: 410000,
          },
        ],
      },
      {
        key: 'tidewave-mobile',
        name: 'Tidewave Mobile',
        category: 'Mobile network',
        campaigns: [
          {
            key: 'tidewave-mobile-unlimited-family',
            name: 'Tidewave Mobile Unlimited Family',
            code: 'TDW-2026-02',
            status: 'active',
            campaignType: 'Acquisition',
            objective: 'Grow family multi-line plans with an unlimited-data bundle for up to five SIMs.',
            startOffsetDays: -20,
            durationWeeks: 12,
            budget: 300000,
          },
          {
            key: 'tidewave-mobile-esim-switch',
            name: 'Tidewave Mobile eSIM Switch',
            code: 'TDW-2026-03',
            status: 'cancelled',
            campaignType: 'Retention',
            objective: 'Migrate existing pay-monthly customers from physical SIMs to eSIM.',
            startOffsetDays: 10,
            durationWeeks: 8,
            budget: 120000,
          },
        ],
      },
      {
        key: 'tidewave-business',
        name: 'Tidewave Business',
        category: 'B2B connectivity',
        campaigns: [
          {
            key: 'tidewave-business-connect-summit',
            name: 'Tidewave Business Connect Summit',
            code: 'TDW-2026-04',
            status: 'completed',
            campaignType: 'B2B event',
            objective: 'Host a one-day summit for 400 IT decision-makers and generate 120 qualified leads.',
            startOffsetDays: -110,
            durationWeeks: 6,
            budget: 85000,
          },
        ],
      },
    ],
  },
  {
    key: 'dashdish',
    name: 'Dashdish',
    code: 'DSH',
    industry: 'Food delivery',
    brands: [
      {
        key: 'dashdish-delivery',
        name: 'Dashdish Delivery',
        category: 'Food delivery app',
        campaigns: [
          {
            key: 'dashdish-late-night-cravings',
            name: 'Dashdish Late Night Cravings',
            code: 'DSH-2026-01',
            status: 'active',
            campaignType: 'Always-on social',
            objective: 'Own the 10pm–2am ordering window and grow late-night orders by 20%.',
            startOffsetDays: -50,
            durationWeeks: 12,
            budget: 220000,
          },
          {
            key: 'dashdish-local-heroes',
            name: 'Dashdish Local Heroes',
            code: 'DSH-2026-02',
            status: 'draft',
            campaignType: 'Brand awareness',
            objective: 'Celebrate independent restaurants on the platform with short documentary films.',
            startOffsetDays: 40,
            durationWeeks: 10,
            budget: 90000,
          },
        ],
      },
      {
        key: 'dashdish-plus',
        name: 'Dashdish Plus',
        category: 'Subscription membership',
        campaigns: [
          {
            key: 'dashdish-plus-free-delivery-month',
            name: 'Dashdish Plus Free Delivery Month',
            code: 'DSH-2026-03',
            status: 'completed',
            campaignType: 'Retention',
            objective: 'Convert occasional customers into Dashdish Plus subscribers with a free first month.',
            startOffsetDays: -95,
            durationWeeks: 8,
            budget: 130000,
          },
        ],
      },
    ],
  },
  {
    key: 'kestrel',
    name: 'Kestrel Home',
    code: 'KST',
    industry: 'Home furnishings',
    brands: [
      {
        key: 'kestrel-living',
        name: 'Kestrel Living',
        category: 'Furniture',
        campaigns: [
          {
            key: 'kestrel-living-small-spaces',
            name: 'Kestrel Living Small Spaces',
            code: 'KST-2026-01',
            status: 'active',
            campaignType: 'Content series',
            objective: 'Inspire renters in flats under 50 m² with styling content and shoppable room sets.',
            startOffsetDays: -60,
            durationWeeks: 16,
            budget: 175000,
          },
          {
            key: 'kestrel-living-spring-catalogue',
            name: 'Kestrel Living Spring Catalogue',
            code: 'KST-2025-02',
            status: 'archived',
            campaignType: 'Print and digital catalogue',
            objective: 'Produce the spring catalogue in print and as a shoppable digital edition.',
            startOffsetDays: -170,
            durationWeeks: 6,
            budget: 65000,
          },
        ],
      },
      {
        key: 'kestrel-outdoor',
        name: 'Kestrel Outdoor',
        category: 'Garden furniture',
        campaigns: [
          {
            key: 'kestrel-outdoor-garden-party',
            name: 'Kestrel Outdoor Garden Party',
            code: 'KST-2026-03',
            status: 'on_hold',
            campaignType: 'Seasonal promotion',
            objective: 'Sell garden dining sets ahead of the bank holiday weekends.',
            startOffsetDays: -5,
            durationWeeks: 10,
            budget: 98000,
          },
        ],
      },
    ],
  },
  {
    key: 'orbital',
    name: 'Orbital Games',
    code: 'ORB',
    industry: 'Video games',
    brands: [
      {
        key: 'starlane-racing',
        name: 'Starlane Racing',
        category: 'Racing game',
        campaigns: [
          {
            key: 'starlane-racing-season-two',
            name: 'Starlane Racing Season Two',
            code: 'ORB-2026-01',
            status: 'active',
            campaignType: 'Game launch',
            objective: 'Drive Season Two battle-pass sales and re-engage lapsed players.',
            startOffsetDays: -15,
            durationWeeks: 8,
            budget: 200000,
          },
        ],
      },
      {
        key: 'orbital-arcade',
        name: 'Orbital Arcade',
        category: 'Retro game subscription',
        campaigns: [
          {
            key: 'orbital-arcade-retro-weekend',
            name: 'Orbital Arcade Retro Weekend',
            code: 'ORB-2026-02',
            status: 'completed',
            campaignType: 'Community event',
            objective: 'Run a free-to-play retro weekend to grow the subscriber waitlist.',
            startOffsetDays: -75,
            durationWeeks: 4,
            budget: 15000,
          },
          {
            key: 'orbital-arcade-creator-program',
            name: 'Orbital Arcade Creator Program',
            code: 'ORB-2026-03',
            status: 'cancelled',
            campaignType: 'Influencer',
            objective: 'Recruit 50 streamers into a paid creator programme for the arcade catalogue.',
            startOffsetDays: -30,
            durationWeeks: 12,
            budget: 80000,
          },
        ],
      },
    ],
  },
  {
    key: 'meridian',
    name: 'Meridian Health',
    code: 'MER',
    industry: 'Consumer health',
    brands: [
      {
        key: 'meridian-sleep',
        name: 'Meridian Sleep',
        category: 'Sleep supplements',
        campaigns: [
          {
            key: 'meridian-sleep-better-nights',
            name: 'Meridian Sleep Better Nights',
            code: 'MER-2026-01',
            status: 'active',
            campaignType: 'Brand awareness',
            objective: 'Make Meridian Sleep the most trusted drug-free sleep aid among shift workers.',
            startOffsetDays: -45,
            durationWeeks: 14,
            budget: 165000,
          },
        ],
      },
      {
        key: 'meridian-vitamins',
        name: 'Meridian Vitamins',
        category: 'Vitamins and supplements',
        campaigns: [
          {
            key: 'meridian-vitamins-winter-shield',
            name: 'Meridian Vitamins Winter Shield',
            code: 'MER-2026-02',
            status: 'completed',
            campaignType: 'Seasonal promotion',
            objective: 'Grow vitamin D and zinc sales through pharmacy chains during cold and flu season.',
            startOffsetDays: -160,
            durationWeeks: 12,
            budget: 145000,
          },
        ],
      },
      {
        key: 'meridian-kids',
        name: 'Meridian Kids',
        category: 'Children\'s vitamins',
        campaigns: [
          {
            key: 'meridian-kids-daily-drops',
            name: 'Meridian Kids Daily Drops',
            code: 'MER-2026-03',
            status: 'planning',
            campaignType: 'Product launch',
            objective: 'Launch liquid vitamin drops for toddlers via parenting communities and pharmacies.',
            startOffsetDays: 28,
            durationWeeks: 8,
            budget: 72000,
          },
        ],
      },
    ],
  },
]

const NORTHWIND_PEOPLE: CatalogPerson[] = [
  // Leadership (3)
  { key: 'maya.chen', name: 'Maya Chen', role: 'leadership', department: 'Operations', title: 'Managing Director', weeklyCapacityHours: 40, costRate: 140, billRate: 320 },
  { key: 'tomasz.kowalski', name: 'Tomasz Kowalski', role: 'leadership', department: 'Creative', title: 'Executive Creative Director', weeklyCapacityHours: 40, costRate: 135, billRate: 310 },
  { key: 'adaeze.okafor', name: 'Adaeze Okafor', role: 'leadership', department: 'Strategy', title: 'Chief Strategy Officer', weeklyCapacityHours: 37.5, costRate: 130, billRate: 300 },

  // Finance (3)
  { key: 'priya.raman', name: 'Priya Raman', role: 'finance', department: 'Finance', title: 'Finance Director', weeklyCapacityHours: 37.5, costRate: 110, billRate: 160 },
  { key: 'liam.oconnell', name: 'Liam O\'Connell', role: 'finance', department: 'Finance', title: 'Management Accountant', weeklyCapacityHours: 37.5, costRate: 62, billRate: 110 },
  { key: 'hannah.schmidt', name: 'Hannah Schmidt', role: 'finance', department: 'Finance', title: 'Billing Coordinator', weeklyCapacityHours: 24, costRate: 38, billRate: 90 },

  // Project management (6)
  { key: 'jonas.berg', name: 'Jonas Berg', role: 'pm', department: 'Operations', title: 'Head of Delivery', weeklyCapacityHours: 40, costRate: 92, billRate: 210 },
  { key: 'sofia.alvarez', name: 'Sofia Alvarez', role: 'pm', department: 'Operations', title: 'Senior Project Manager', weeklyCapacityHours: 37.5, costRate: 70, billRate: 165 },
  { key: 'kwame.mensah', name: 'Kwame Mensah', role: 'pm', department: 'Operations', title: 'Project Manager', weeklyCapacityHours: 37.5, costRate: 58, billRate: 140 },
  { key: 'ellie.whitaker', name: 'Ellie Whitaker', role: 'pm', department: 'Operations', title: 'Project Manager', weeklyCapacityHours: 37.5, costRate: 56, billRate: 140 },
  { key: 'ravi.patel', name: 'Ravi Patel', role: 'pm', department: 'Production', title: 'Project Manager', weeklyCapacityHours: 40, costRate: 57, billRate: 140 },
  { key: 'chloe.dubois', name: 'Chloe Dubois', role: 'pm', department: 'Operations', title: 'Junior Project Manager', weeklyCapacityHours: 37.5, costRate: 40, billRate: 105 },

  // Admin (2)
  { key: 'grace.thompson', name: 'Grace Thompson', role: 'admin', department: 'Operations', title: 'Office and Operations Manager', weeklyCapacityHours: 37.5, costRate: 45, billRate: 95 },
  { key: 'marcus.reid', name: 'Marcus Reid', role: 'admin', department: 'Operations', title: 'IT and Systems Administrator', weeklyCapacityHours: 40, costRate: 52, billRate: 100 },

  // Account management (8)
  { key: 'olivia.hart', name: 'Olivia Hart', role: 'account', department: 'Account Management', title: 'Group Account Director', weeklyCapacityHours: 40, costRate: 105, billRate: 250 },
  { key: 'daniel.kim', name: 'Daniel Kim', role: 'account', department: 'Account Management', title: 'Account Director', weeklyCapacityHours: 37.5, costRate: 88, billRate: 215 },
  { key: 'fatima.elamrani', name: 'Fatima El Amrani', role: 'account', department: 'Account Management', title: 'Account Director', weeklyCapacityHours: 37.5, costRate: 86, billRate: 215 },
  { key: 'ben.carter', name: 'Ben Carter', role: 'account', department: 'Account Management', title: 'Senior Account Manager', weeklyCapacityHours: 37.5, costRate: 66, billRate: 170 },
  { key: 'isabella.rossi', name: 'Isabella Rossi', role: 'account', department: 'Account Management', title: 'Account Manager', weeklyCapacityHours: 37.5, costRate: 54, billRate: 145 },
  { key: 'yusuf.demir', name: 'Yusuf Demir', role: 'account', department: 'Account Management', title: 'Account Manager', weeklyCapacityHours: 37.5, costRate: 53, billRate: 145 },
  { key: 'niamh.gallagher', name: 'Niamh Gallagher', role: 'account', department: 'Account Management', title: 'Account Executive', weeklyCapacityHours: 37.5, costRate: 36, billRate: 95 },
  { key: 'samuel.adeyemi', name: 'Samuel Adeyemi', role: 'account', department: 'Account Management', title: 'Account Executive', weeklyCapacityHours: 37.5, costRate: 35, billRate: 95 },

  // Strategy (4)
  { key: 'lucy.fernandes', name: 'Lucy Fernandes', role: 'creative', department: 'Strategy', title: 'Strategy Director', weeklyCapacityHours: 37.5, costRate: 98, billRate: 240 },
  { key: 'arjun.mehta', name: 'Arjun Mehta', role: 'creative', department: 'Strategy', title: 'Senior Strategist', weeklyCapacityHours: 37.5, costRate: 72, billRate: 185 },
  { key: 'zoe.lambert', name: 'Zoe Lambert', role: 'creative', department: 'Strategy', title: 'Strategist', weeklyCapacityHours: 30, costRate: 55, billRate: 150 },
  { key: 'henrik.larsen', name: 'Henrik Larsen', role: 'creative', department: 'Strategy', title: 'Data and Insight Lead', weeklyCapacityHours: 40, costRate: 78, billRate: 195 },

  // Creative (5)
  { key: 'nadia.haddad', name: 'Nadia Haddad', role: 'creative', department: 'Creative', title: 'Creative Director', weeklyCapacityHours: 40, costRate: 115, billRate: 280 },
  { key: 'oscar.lindqvist', name: 'Oscar Lindqvist', role: 'creative', department: 'Creative', title: 'Associate Creative Director', weeklyCapacityHours: 37.5, costRate: 95, billRate: 235 },
  { key: 'mia.novak', name: 'Mia Novak', role: 'creative', department: 'Creative', title: 'Art Director', weeklyCapacityHours: 37.5, costRate: 68, billRate: 175 },
  { key: 'theo.grant', name: 'Theo Grant', role: 'creative', department: 'Creative', title: 'Art Director', weeklyCapacityHours: 37.5, costRate: 67, billRate: 175 },
  { key: 'aisha.bello', name: 'Aisha Bello', role: 'creative', department: 'Creative', title: 'Senior Creative', weeklyCapacityHours: 37.5, costRate: 74, billRate: 190 },

  // Design (6)
  { key: 'jack.morrison', name: 'Jack Morrison', role: 'creative', department: 'Design', title: 'Design Director', weeklyCapacityHours: 40, costRate: 100, billRate: 245 },
  { key: 'leah.cohen', name: 'Leah Cohen', role: 'creative', department: 'Design', title: 'Senior Designer', weeklyCapacityHours: 37.5, costRate: 64, billRate: 165 },
  { key: 'hiroshi.tanaka', name: 'Hiroshi Tanaka', role: 'creative', department: 'Design', title: 'Designer', weeklyCapacityHours: 37.5, costRate: 50, billRate: 135 },
  { key: 'amara.nwosu', name: 'Amara Nwosu', role: 'creative', department: 'Design', title: 'Designer', weeklyCapacityHours: 37.5, costRate: 49, billRate: 135 },
  { key: 'felix.wagner', name: 'Felix Wagner', role: 'creative', department: 'Design', title: 'Motion Designer', weeklyCapacityHours: 40, costRate: 60, billRate: 160 },
  { key: 'rosa.martinez', name: 'Rosa Martínez', role: 'creative', department: 'Design', title: 'Junior Designer', weeklyCapacityHours: 37.5, costRate: 37, billRate: 100 },

  // Copy (4)
  { key: 'eleanor.price', name: 'Eleanor Price', role: 'creative', department: 'Copy', title: 'Head of Copy', weeklyCapacityHours: 30, costRate: 96, billRate: 230 },
  { key: 'callum.fraser', name: 'Callum Fraser', role: 'creative', department: 'Copy', title: 'Senior Copywriter', weeklyCapacityHours: 37.5, costRate: 66, billRate: 170 },
  { key: 'imani.brooks', name: 'Imani Brooks', role: 'creative', department: 'Copy', title: 'Copywriter', weeklyCapacityHours: 37.5, costRate: 52, billRate: 140 },
  { key: 'pablo.ortega', name: 'Pablo Ortega', role: 'creative', department: 'Copy', title: 'Copywriter', weeklyCapacityHours: 20, costRate: 51, billRate: 140 },

  // Production (5)
  { key: 'kieran.walsh', name: 'Kieran Walsh', role: 'creative', department: 'Production', title: 'Head of Production', weeklyCapacityHours: 40, costRate: 94, billRate: 225 },
  { key: 'sara.lindgren', name: 'Sara Lindgren', role: 'creative', department: 'Production', title: 'Producer', weeklyCapacityHours: 37.5, costRate: 63, billRate: 160 },
  { key: 'dev.sharma', name: 'Dev Sharma', role: 'creative', department: 'Production', title: 'Producer', weeklyCapacityHours: 37.5, costRate: 61, billRate: 160 },
  { key: 'ines.costa', name: 'Inês Costa', role: 'creative', department: 'Production', title: 'Production Artist', weeklyCapacityHours: 24, costRate: 44, billRate: 115 },
  { key: 'tom.becker', name: 'Tom Becker', role: 'creative', department: 'Production', title: 'Video Editor', weeklyCapacityHours: 30, costRate: 58, billRate: 150 },

  // Digital (4)
  { key: 'lena.fischer', name: 'Lena Fischer', role: 'creative', department: 'Digital', title: 'Head of Digital', weeklyCapacityHours: 40, costRate: 97, billRate: 235 },
  { key: 'noah.williams', name: 'Noah Williams', role: 'creative', department: 'Digital', title: 'Social Media Manager', weeklyCapacityHours: 37.5, costRate: 55, billRate: 145 },
  { key: 'wei.chen', name: 'Wei Chen', role: 'creative', department: 'Digital', title: 'Paid Media Specialist', weeklyCapacityHours: 37.5, costRate: 59, billRate: 155 },
  { key: 'ruby.sinclair', name: 'Ruby Sinclair', role: 'creative', department: 'Digital', title: 'Creative Developer', weeklyCapacityHours: 40, costRate: 69, billRate: 180 },
]

// ---------------------------------------------------------------------------
// Southpaw Studio (New York) — small second tenant used for isolation tests
// ---------------------------------------------------------------------------

const SOUTHPAW_CLIENTS: CatalogClient[] = [
  {
    key: 'copperline',
    name: 'Copperline Coffee Co.',
    code: 'CPL',
    industry: 'Coffee retail',
    brands: [
      {
        key: 'copperline-roasters',
        name: 'Copperline Roasters',
        category: 'Specialty coffee shops',
        campaigns: [
          {
            key: 'copperline-morning-ritual',
            name: 'Copperline Morning Ritual',
            code: 'CPL-2026-01',
            status: 'active',
            campaignType: 'Loyalty',
            objective: 'Grow weekday morning visits by getting 30,000 guests into the Ritual Rewards app.',
            startOffsetDays: -28,
            durationWeeks: 10,
            budget: 185000,
            team: ['paige.sullivan'],
          },
          {
            key: 'copperline-fireside-roast',
            name: 'Copperline Fireside Roast',
            code: 'CPL-2026-02',
            status: 'draft',
            campaignType: 'Seasonal promotion',
            objective: 'Sell the limited Fireside Roast in stores and as a gift subscription.',
            startOffsetDays: 50,
            durationWeeks: 6,
            budget: 64000,
          },
        ],
      },
    ],
  },
  {
    key: 'juniper',
    name: 'Juniper Ridge Outfitters',
    code: 'JRO',
    industry: 'Outdoor apparel',
    brands: [
      {
        key: 'juniper-ridge',
        name: 'Juniper Ridge',
        category: 'Outdoor clothing',
        campaigns: [
          {
            key: 'juniper-ridge-trailhead-fall',
            name: 'Juniper Ridge Trailhead Fall',
            code: 'JRO-2026-01',
            status: 'planning',
            campaignType: 'Seasonal promotion',
            objective: 'Launch the fall insulated-jacket line to weekend hikers in the Northeast.',
            startOffsetDays: 35,
            durationWeeks: 8,
            budget: 210000,
          },
        ],
      },
      {
        key: 'ridgeline-packs',
        name: 'Ridgeline Packs',
        category: 'Backpacks',
        campaigns: [
          {
            key: 'ridgeline-packs-campus-carry',
            name: 'Ridgeline Packs Campus Carry',
            code: 'JRO-2026-02',
            status: 'active',
            campaignType: 'Retail promotion',
            objective: 'Win the college backpack purchase through campus stores and TikTok creators.',
            startOffsetDays: -12,
            durationWeeks: 6,
            budget: 98000,
          },
        ],
      },
    ],
  },
  {
    key: 'harborview',
    name: 'Harborview Credit Union',
    code: 'HBV',
    industry: 'Financial services',
    brands: [
      {
        key: 'harborview-home-loans',
        name: 'Harborview Home Loans',
        category: 'Mortgages',
        campaigns: [
          {
            key: 'harborview-first-home',
            name: 'Harborview First Home',
            code: 'HBV-2026-01',
            status: 'completed',
            campaignType: 'Acquisition',
            objective: 'Generate 2,400 first-time buyer mortgage pre-approvals in New Jersey and New York.',
            startOffsetDays: -130,
            durationWeeks: 12,
            budget: 150000,
          },
        ],
      },
    ],
  },
]

const SOUTHPAW_PEOPLE: CatalogPerson[] = [
  { key: 'dana.whitfield', name: 'Dana Whitfield', role: 'leadership', department: 'Operations', title: 'Founder and CEO', weeklyCapacityHours: 40, costRate: 125, billRate: 295 },
  { key: 'rosalind.park', name: 'Rosalind Park', role: 'finance', department: 'Finance', title: 'Controller', weeklyCapacityHours: 30, costRate: 80, billRate: 130 },
  { key: 'jamal.washington', name: 'Jamal Washington', role: 'pm', department: 'Operations', title: 'Project Manager', weeklyCapacityHours: 40, costRate: 60, billRate: 150 },
  { key: 'kelsey.moreno', name: 'Kelsey Moreno', role: 'admin', department: 'Operations', title: 'Studio Manager', weeklyCapacityHours: 40, costRate: 42, billRate: 90 },
  { key: 'gabriel.santos', name: 'Gabriel Santos', role: 'account', department: 'Account Management', title: 'Account Director', weeklyCapacityHours: 40, costRate: 84, billRate: 205 },
  { key: 'hailey.nguyen', name: 'Hailey Nguyen', role: 'account', department: 'Account Management', title: 'Account Manager', weeklyCapacityHours: 40, costRate: 52, billRate: 140 },
  { key: 'victor.lindahl', name: 'Victor Lindahl', role: 'creative', department: 'Creative', title: 'Creative Director', weeklyCapacityHours: 40, costRate: 110, billRate: 265 },
  { key: 'paige.sullivan', name: 'Paige Sullivan', role: 'creative', department: 'Design', title: 'Senior Designer', weeklyCapacityHours: 40, costRate: 62, billRate: 165 },
  { key: 'omar.farouk', name: 'Omar Farouk', role: 'creative', department: 'Copy', title: 'Copywriter', weeklyCapacityHours: 24, costRate: 55, billRate: 150 },
  { key: 'bianca.ferreira', name: 'Bianca Ferreira', role: 'creative', department: 'Strategy', title: 'Strategist', weeklyCapacityHours: 40, costRate: 65, billRate: 170 },
]

// The codes and what they are for, as the agencies' own policies put them
// (seeds/knowledge/northwind-timesheet-and-billing-policy.md, southpaw-timesheet-and-invoicing-policy.md).
// Names are what people type: "/timesheet 8h annual leave", "/timesheet 2h internal admin".
const NORTHWIND_INTERNAL: CatalogInternal = {
  name: 'Northwind Creative (internal)',
  code: 'NW',
  campaigns: [
    { key: 'nw-admin', name: 'Internal admin', code: 'NW-ADMIN', objective: 'Internal admin, all-hands, one-to-ones, email triage not related to a client' },
    { key: 'nw-pitch', name: 'New business pitches', code: 'NW-PITCH', objective: 'New-business pitches and credentials decks' },
    { key: 'nw-learn', name: 'Training and development', code: 'NW-LEARN', objective: 'Training, conferences, mentoring sessions' },
    { key: 'nw-leave', name: 'Annual leave and absence', code: 'NW-LEAVE', objective: 'Annual leave, sick leave, parental leave, public holidays' },
    { key: 'nw-culture', name: 'Culture and socials', code: 'NW-CULTURE', objective: 'Socials, volunteering days, the Northwind book club' },
  ],
}

const SOUTHPAW_INTERNAL: CatalogInternal = {
  name: 'Southpaw Studio (internal)',
  code: 'SP',
  campaigns: [
    { key: 'sp-ops', name: 'Studio operations and admin', code: 'SP-OPS', objective: 'Studio operations, internal meetings, admin' },
    { key: 'sp-bizdev', name: 'New business and pitches', code: 'SP-BIZDEV', objective: 'New business, proposals, pitches' },
    { key: 'sp-learning', name: 'Learning and training', code: 'SP-LEARNING', objective: 'Courses, conferences, reading time (up to 4 hours a month)' },
    { key: 'sp-pto', name: 'Paid time off', code: 'SP-PTO', objective: 'Paid time off, sick days, holidays' },
  ],
}

export const TENANTS: CatalogTenant[] = [
  {
    slug: 'northwind',
    name: 'Northwind Creative',
    domain: 'northwind.example',
    timezone: 'Europe/London',
    locale: 'en-GB',
    clients: NORTHWIND_CLIENTS,
    people: NORTHWIND_PEOPLE,
    internal: NORTHWIND_INTERNAL,
  },
  {
    slug: 'southpaw',
    name: 'Southpaw Studio',
    domain: 'southpaw.example',
    timezone: 'America/New_York',
    locale: 'en-US',
    clients: SOUTHPAW_CLIENTS,
    people: SOUTHPAW_PEOPLE,
    internal: SOUTHPAW_INTERNAL,
  },
]
