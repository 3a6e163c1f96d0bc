/* Geohashes as Redis computes them: interleaved bits, cell decoding, neighbours, search boxes and the haversine distance. */
#include "commands/geohash.h"

#include <math.h>
#include <string.h>

/* Redis's constants (geohash_helper.c), to the last digit. */
#define D_R (M_PI / 180.0)
static const double EARTH_RADIUS_IN_METERS = 6372797.560856;
static const double MERCATOR_MAX = 20037726.37;

static double deg_rad(double ang) { return ang * D_R; }
static double rad_deg(double ang) { return ang / D_R; }

/* Spreads the low 32 bits of v to the even bit positions. */
static uint64_t spread(uint64_t v)
{
    v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
    v = (v | (v << 8)) & 0x00FF00FF00FF00FFull;
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v << 2)) & 0x3333333333333333ull;
    v = (v | (v << 1)) & 0x5555555555555555ull;
    return v;
}

/* Gathers the even bit positions back into the low 32 bits. */
static uint64_t squash(uint64_t v)
{
    v &= 0x5555555555555555ull;
    v = (v | (v >> 1)) & 0x3333333333333333ull;
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FFull;
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFFull;
    v = (v | (v >> 16)) & 0x00000000FFFFFFFFull;
    return v;
}

/* Latitude in the even bits, longitude in the odd ones. */
static uint64_t interleave(uint32_t lat, uint32_t lon) { return spread(lat) | (spread(lon) << 1); }

static const geohash_range WGS_LON = {GEO_LONG_MIN, GEO_LONG_MAX};
static const geohash_range WGS_LAT = {GEO_LAT_MIN, GEO_LAT_MAX};

bool geohash_encode(const geohash_range *lon_r, const geohash_range *lat_r, double lon, double lat,
                    uint8_t step, geohash_bits *out)
{
    if (step > 32 || step == 0)
        return false;
    if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN)
        return false;
    if (lat < lat_r->min || lat > lat_r->max || lon < lon_r->min || lon > lon_r->max)
        return false;
    double lat_offset = (lat - lat_r->min) / (lat_r->max - lat_r->min);
    double lon_offset = (lon - lon_r->min) / (lon_r->max - lon_r->min);
    lat_offset *= (double)(1ull << step);
    lon_offset *= (double)(1ull << step);
    /* The conversions truncate, as Redis's implicit ones do. */
    out->bits = interleave((uint32_t)lat_offset, (uint32_t)lon_offset);
    out->step = step;
    return true;
}

uint64_t geohash_score(double lon, double lat)
{
    geohash_bits h = {0, 0};
    geohash_encode(&WGS_LON, &WGS_LAT, lon, lat, GEO_STEP_MAX, &h);
    return h.bits << (52 - GEO_STEP_MAX * 2);
}

static bool decode(geohash_range lon_r, geohash_range lat_r, geohash_bits h, geohash_area *area)
{
    if (h.bits == 0 && h.step == 0)
        return false;
    uint32_t ilat = (uint32_t)squash(h.bits);
    uint32_t ilon = (uint32_t)squash(h.bits >> 1);
    double lat_scale = lat_r.max - lat_r.min, lon_scale = lon_r.max - lon_r.min;
    double cells = (double)(1ull << h.step);
    area->lat.min = lat_r.min + (ilat * 1.0 / cells) * lat_scale;
    area->lat.max = lat_r.min + ((ilat + 1) * 1.0 / cells) * lat_scale;
    area->lon.min = lon_r.min + (ilon * 1.0 / cells) * lon_scale;
    area->lon.max = lon_r.min + ((ilon + 1) * 1.0 / cells) * lon_scale;
    return true;
}

bool geohash_decode_score(double score, double xy[2])
{
    geohash_bits h = {(uint64_t)score, GEO_STEP_MAX};
    geohash_area a;
    if (!decode(WGS_LON, WGS_LAT, h, &a))
        return false;
    xy[0] = (a.lon.min + a.lon.max) / 2;
    if (xy[0] > GEO_LONG_MAX)
        xy[0] = GEO_LONG_MAX;
    if (xy[0] < GEO_LONG_MIN)
        xy[0] = GEO_LONG_MIN;
    xy[1] = (a.lat.min + a.lat.max) / 2;
    if (xy[1] > GEO_LAT_MAX)
        xy[1] = GEO_LAT_MAX;
    if (xy[1] < GEO_LAT_MIN)
        xy[1] = GEO_LAT_MIN;
    return true;
}

void geohash_string(double score, char out[12])
{
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    double xy[2];
    geohash_bits h = {0, 0};
    /* Redis keeps latitudes in +-85.05; the standard geohash spans +-90,
     * so the position is decoded and encoded again over the wider range. */
    geohash_range lon_r = {-180, 180}, lat_r = {-90, 90};
    if (geohash_decode_score(score, xy))
        geohash_encode(&lon_r, &lat_r, xy[0], xy[1], GEO_STEP_MAX, &h);
    for (int i = 0; i < 11; i++) {
        /* 52 bits make 10 characters; the 11th is '0', as Redis's. */
        int idx = i == 10 ? 0 : (int)((h.bits >> (52 - (i + 1) * 5)) & 0x1f);
        out[i] = alphabet[idx];
    }
    out[11] = '\0';
}

double geohash_distance(double lon1, double lat1, double lon2, double lat2)
{
    double lat1r = deg_rad(lat1), lon1r = deg_rad(lon1);
    double lat2r = deg_rad(lat2), lon2r = deg_rad(lon2);
    double u = sin((lat2r - lat1r) / 2);
    double v = sin((lon2r - lon1r) / 2);
    return 2.0 * EARTH_RADIUS_IN_METERS * asin(sqrt(u * u + cos(lat1r) * cos(lat2r) * v * v));
}

/* ---------------------------------------------------------------- searches */

/* Moves a cell one step east (d > 0) or west along the odd (longitude) bits. */
static void move_x(geohash_bits *h, int d)
{
    uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaull, y = h->bits & 0x5555555555555555ull;
    uint64_t zz = 0x5555555555555555ull >> (64 - h->step * 2);
    if (d > 0) {
        x = x + (zz + 1);
    } else {
        x = x | zz;
        x = x - (zz + 1);
    }
    x &= 0xaaaaaaaaaaaaaaaaull >> (64 - h->step * 2);
    h->bits = x | y;
}

/* ... and north (d > 0) or south along the even (latitude) bits. */
static void move_y(geohash_bits *h, int d)
{
    uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaull, y = h->bits & 0x5555555555555555ull;
    uint64_t zz = 0xaaaaaaaaaaaaaaaaull >> (64 - h->step * 2);
    if (d > 0) {
        y = y + (zz + 1);
    } else {
        y = y | zz;
        y = y - (zz + 1);
    }
    y &= 0x5555555555555555ull >> (64 - h->step * 2);
    h->bits = x | y;
}

enum { B_CENTER, B_N, B_S, B_E, B_W, B_NE, B_NW, B_SE, B_SW };

static void cells_around(geohash_bits c, geohash_bits b[9])
{
    static const int dx[9] = {0, 0, 0, 1, -1, 1, -1, 1, -1};
    static const int dy[9] = {0, 1, -1, 0, 0, 1, 1, -1, -1};
    for (int i = 0; i < 9; i++) {
        b[i] = c;
        if (dx[i])
            move_x(&b[i], dx[i]);
        if (dy[i])
            move_y(&b[i], dy[i]);
    }
}

/* Redis's geohashEstimateStepsByRadius: the step whose cells are about as
 * wide as the search, one or two less towards the poles. */
static int steps_for_radius(double range_meters, double lat)
{
    if (range_meters == 0)
        return 26;
    int step = 1;
    while (range_meters < MERCATOR_MAX) {
        range_meters *= 2;
        step++;
    }
    step -= 2;
    if (lat > 66 || lat < -66) {
        step--;
        if (lat > 80 || lat < -80)
            step--;
    }
    if (step < 1)
        step = 1;
    if (step > 26)
        step = 26;
    return step;
}

/* Redis's geohashBoundingBox: the longitudes span more on the side nearer
 * the pole. */
static void bounding_box(geo_shape *s)
{
    double lon = s->xy[0], lat = s->xy[1];
    double height = s->conversion * (s->type == GEO_CIRCLE ? s->radius : s->height / 2);
    double width = s->conversion * (s->type == GEO_CIRCLE ? s->radius : s->width / 2);
    const double lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
    const double lon_delta_top = rad_deg(width / EARTH_RADIUS_IN_METERS / cos(deg_rad(lat + lat_delta)));
    const double lon_delta_bottom = rad_deg(width / EARTH_RADIUS_IN_METERS / cos(deg_rad(lat - lat_delta)));
    bool southern = lat < 0;
    s->bounds[0] = southern ? lon - lon_delta_bottom : lon - lon_delta_top;
    s->bounds[2] = southern ? lon + lon_delta_bottom : lon + lon_delta_top;
    s->bounds[1] = lat - lat_delta;
    s->bounds[3] = lat + lat_delta;
}

static void zero(geohash_bits *b) { b->bits = 0, b->step = 0; }

/* Redis's geohashCalculateAreasByShapeWGS84. */
void geohash_search_boxes(geo_shape *s, geohash_bits b[9])
{
    bounding_box(s);
    double min_lon = s->bounds[0], min_lat = s->bounds[1], max_lon = s->bounds[2], max_lat = s->bounds[3];
    double radius = s->type == GEO_CIRCLE ? s->radius
                  : sqrt((s->width / 2) * (s->width / 2) + (s->height / 2) * (s->height / 2));
    radius *= s->conversion;
    int steps = steps_for_radius(radius, s->xy[1]);
    geohash_bits center;
    geohash_area area, n, so, e, w;
    geohash_encode(&WGS_LON, &WGS_LAT, s->xy[0], s->xy[1], (uint8_t)steps, &center);
    cells_around(center, b);
    decode(WGS_LON, WGS_LAT, center, &area);
    /* Near a cell's edge the neighbours may not reach the whole search:
     * then cells one step larger do. */
    decode(WGS_LON, WGS_LAT, b[B_N], &n);
    decode(WGS_LON, WGS_LAT, b[B_S], &so);
    decode(WGS_LON, WGS_LAT, b[B_E], &e);
    decode(WGS_LON, WGS_LAT, b[B_W], &w);
    bool larger = n.lat.max < max_lat || so.lat.min > min_lat || e.lon.max < max_lon || w.lon.min > min_lon;
    if (steps > 1 && larger) {
        steps--;
        geohash_encode(&WGS_LON, &WGS_LAT, s->xy[0], s->xy[1], (uint8_t)steps, &center);
        cells_around(center, b);
        decode(WGS_LON, WGS_LAT, center, &area);
    }
    /* Drop the neighbours the search cannot reach. */
    if (steps >= 2) {
        if (area.lat.min < min_lat) {
            zero(&b[B_S]);
            zero(&b[B_SW]);
            zero(&b[B_SE]);
        }
        if (area.lat.max > max_lat) {
            zero(&b[B_N]);
            zero(&b[B_NE]);
            zero(&b[B_NW]);
        }
        if (area.lon.min < min_lon) {
            zero(&b[B_W]);
            zero(&b[B_SW]);
            zero(&b[B_NW]);
        }
        if (area.lon.max > max_lon) {
            zero(&b[B_E]);
            zero(&b[B_SE]);
            zero(&b[B_NE]);
        }
    }
}

void geohash_box_scores(geohash_bits box, uint64_t *min, uint64_t *max)
{
    *min = box.bits << (52 - box.step * 2);
    *max = (box.bits + 1) << (52 - box.step * 2);
}

bool geohash_in_shape(const geo_shape *s, double score, double xy[2], double *dist)
{
    if (!geohash_decode_score(score, xy))
        return false;
    if (s->type == GEO_CIRCLE) {
        *dist = geohash_distance(s->xy[0], s->xy[1], xy[0], xy[1]);
        return *dist <= s->radius * s->conversion;
    }
    /* Redis's geohashGetDistanceIfInRectangle: the east-west distance at the
     * point's latitude and the north-south one at its longitude. */
    double width = s->width * s->conversion, height = s->height * s->conversion;
    double lon_distance = geohash_distance(xy[0], xy[1], s->xy[0], xy[1]);
    double lat_distance = geohash_distance(xy[0], xy[1], xy[0], s->xy[1]);
    if (lon_distance > width / 2 || lat_distance > height / 2)
        return false;
    *dist = geohash_distance(s->xy[0], s->xy[1], xy[0], xy[1]);
    return true;
}
