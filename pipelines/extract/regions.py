"""Nationality → region, for grouping nationalities in the evaluation extracts.

The regions follow the UN geoscheme (M49), adapted to the LVV population: the Horn of Africa
and Sudan are East Africa, the Western Balkans (safe countries of origin) and Eastern Europe
with the Caucasus and Turkey are regions of their own, the EU is one region. Every ISO 3166-1
alpha-3 code of `seeds/countries.csv` (and `XXX`, stateless or unknown) has a region here; a
code without one (should the seed grow) falls into `overig`.
"""

from __future__ import annotations

OVERIG = "overig"

REGIONS: dict[str, str] = {
    "Noord-Afrika": "DZA EGY ESH LBY MAR TUN",
    "West-Afrika": "BEN BFA CIV CPV GHA GIN GMB GNB LBR MLI MRT NER NGA SEN SHN SLE TGO",
    "Oost-Afrika": "ATF BDI COM DJI ERI ETH IOT KEN MDG MOZ MUS MWI MYT REU RWA SDN SOM SSD SYC TZA UGA ZMB ZWE",
    "Centraal- en Zuidelijk Afrika": "AGO BWA CAF CMR COD COG GAB GNQ LSO NAM STP SWZ TCD ZAF",
    "Midden-Oosten": "ARE BHR IRN IRQ ISR JOR KWT LBN OMN PSE QAT SAU SYR YEM",
    "Zuid-Azië": "AFG BGD BTN IND LKA MDV NPL PAK",
    "Centraal-Azië": "KAZ KGZ TJK TKM UZB",
    "Oost- en Zuidoost-Azië": "BRN CHN HKG IDN JPN KHM KOR LAO MAC MMR MNG MYS PHL PRK SGP THA TLS TWN VNM",
    "Westelijke Balkan": "ALB BIH MKD MNE SRB XKX",
    "Oost-Europa, Kaukasus en Turkije": "ARM AZE BLR GEO MDA RUS TUR UKR",
    "EU": "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL PRT ROU SVK SVN SWE",
    "Europa overig": "ALA AND CHE FRO GBR GGY GIB IMN ISL JEY LIE MCO NOR SJM SMR VAT",
    "Latijns-Amerika en Caribisch gebied": (
        "ABW AIA ARG ATG BES BHS BLM BLZ BOL BRA BRB CHL COL CRI CUB CUW CYM DMA DOM ECU FLK GLP GRD "
        "GTM GUF GUY HND HTI JAM KNA LCA MAF MEX MSR MTQ NIC PAN PER PRI PRY SLV SUR SXM TCA TTO URY "
        "VCT VEN VGB VIR"
    ),
    "Noord-Amerika": "BMU CAN GRL SPM USA",
    "Oceanië": (
        "ASM AUS CCK COK CXR FJI FSM GUM KIR MHL MNP NCL NFK NIU NRU NZL PCN PLW PNG PYF SLB TKL TON "
        "TUV UMI VUT WLF WSM"
    ),
    "Staatloos of onbekend": "XXX",
    OVERIG: "ATA BVT HMD SGS",
}

REGION_OF: dict[str, str] = {code: region for region, codes in REGIONS.items() for code in codes.split()}


def region_of(iso3: str | None) -> str:
    """The region of a nationality code; `overig` for an unknown or missing code."""
    if iso3 is None:
        return OVERIG
    return REGION_OF.get(iso3.strip().upper(), OVERIG)
