/* SPDX-License-Identifier: MIT */
/* Irradiance on vertical glazing from GHI and the sun's position (Erbs
 * diffuse split, isotropic sky, ground reflection), averaged over the
 * compass as GridLAB-D's house does, stored once per weather step. */
#include <math.h>

#include "weather_priv.h"

/* References.
 * [DB]   J. A. Duffie, W. A. Beckman, "Solar Engineering of Thermal
 *        Processes", 4th ed., Wiley, 2013: eq. 1.4.1a (extraterrestrial
 *        normal irradiance), 1.6.2 (angle of incidence on a surface of
 *        any slope and azimuth), 2.9.1 (clearness index), 2.10.1 (Erbs
 *        diffuse fraction), 2.15.1 (isotropic-sky total on a tilted
 *        surface: beam + sky (1 + cos b)/2 + ground rho (1 - cos b)/2).
 * [ERBS] D. G. Erbs, S. A. Klein, J. A. Duffie, "Estimation of the diffuse
 *        radiation fraction for hourly, daily and monthly-average global
 *        radiation", Solar Energy 28(4), 293-302, 1982.
 * [GLD]  GridLAB-D residential/house_e.cpp: the solar gain is the glazing's
 *        solar_heatgain_factor times the incident solar of the climate
 *        averaged over the compass orientations (window area split evenly
 *        among the walls). */

#define GS__PI  3.14159265358979323846
#define GS__DEG (GS__PI / 180.0)

/* Solar constant, W/m2 ([DB] sec. 1.2). */
#define GS__SOLAR_CONST 1367.0
/* Ground reflectance of grass and bare soil ([DB] table 2.15.1 range,
 * the value tools such as PVWatts default to). */
#define GS__ALBEDO 0.2
/* Below this cosine of zenith (about 87 degrees) the beam is not split out
 * of GHI: dividing by cos(zenith) there turns a few W/m2 of horizontal
 * measurement error into hundreds of W/m2 of beam; all of it counts as
 * diffuse instead ([DB] sec. 2.16 advises the same care near sunrise). */
#define GS__MIN_COS_ZENITH 0.05

/* The eight compass orientations of GridLAB-D's glazing: S, SW, W, NW,
 * N, NE, E, SE (azimuth from south, west positive, as [DB]). */
#define GS__N_ORIENT 8

double gs_weather_erbs_fraction(double kt) {
  /* [ERBS] eq. 1 ([DB] eq. 2.10.1): the hourly diffuse fraction Id / I
   * against the clearness index kt = I / I0. */
  if (kt <= 0.22) return 1.0 - 0.09 * (kt > 0 ? kt : 0);
  if (kt > 0.80) return 0.165;
  return 0.9511 - 0.1604 * kt + 4.388 * kt * kt - 16.638 * kt * kt * kt +
         12.336 * kt * kt * kt * kt;
}

double gs_weather_extra_normal_w_m2(double unix_s) {
  /* [DB] eq. 1.4.1a, Gon = Gsc (1 + 0.033 cos(360 n / 365)) with n the day
   * of the year; n is taken from a mean Gregorian year (within a day of
   * the calendar's, a change of Gon under 0.06 %). */
  double n = fmod(unix_s / 86400.0, 365.2425);
  return GS__SOLAR_CONST * (1.0 + 0.033 * cos(2.0 * GS__PI * n / 365.0));
}

double gs_weather_cos_incidence_vertical(const gs_sun_t *sun, double lat_deg,
                                         double azimuth_deg) {
  /* [DB] eq. 1.6.2 with slope beta = 90 degrees (cos beta = 0, sin beta =
   * 1): cos theta = -sin d cos p cos g + cos d sin p cos g cos w +
   * cos d sin g sin w, hour angle w negative in the morning. */
  double d = sun->decl_rad, p = lat_deg * GS__DEG, g = azimuth_deg * GS__DEG;
  double w = (sun->solar_hour - 12.0) * 15.0 * GS__DEG;
  return -sin(d) * cos(p) * cos(g) + cos(d) * sin(p) * cos(g) * cos(w) +
         cos(d) * sin(g) * sin(w);
}

double gs_weather_vertical_w_m2(const gs_sun_t *sun, double lat_deg,
                                double azimuth_deg, double ghi_w_m2,
                                double gon_w_m2) {
  double cz = sun->cos_zenith;
  if (!(ghi_w_m2 > 0) || !(cz > 0)) return 0.0;
  double beam_n = 0.0, dhi = ghi_w_m2;
  if (cz >= GS__MIN_COS_ZENITH) {
    double kt = ghi_w_m2 / (gon_w_m2 * cz); /* [DB] eq. 2.9.1 */
    dhi = ghi_w_m2 * gs_weather_erbs_fraction(kt > 1 ? 1 : kt);
    beam_n = (ghi_w_m2 - dhi) / cz; /* direct normal */
  }
  double ct = gs_weather_cos_incidence_vertical(sun, lat_deg, azimuth_deg);
  /* [DB] eq. 2.15.1 at beta = 90: sky view 1/2, ground view 1/2. */
  return beam_n * (ct > 0 ? ct : 0) + dhi * 0.5 + ghi_w_m2 * GS__ALBEDO * 0.5;
}

double gs_weather_vertical_mean_w_m2(const gs_sun_t *sun, double lat_deg,
                                     double ghi_w_m2, double gon_w_m2) {
  double sum = 0.0;
  for (int i = 0; i < GS__N_ORIENT; i++)
    sum += gs_weather_vertical_w_m2(sun, lat_deg, i * 360.0 / GS__N_ORIENT,
                                    ghi_w_m2, gon_w_m2);
  return sum / GS__N_ORIENT;
}

void gs__weather_fill_glazing(gs_weather_t *w, int64_t start_unix_s,
                              double lat_deg, double lon_deg) {
  for (size_t k = 0; k < w->n; k++) {
    /* The sun at the step's midpoint, the instant its GHI stands for. */
    double mid_s =
        (double)start_unix_s +
        ((double)w->origin_us + ((double)k + 0.5) * (double)w->step_us) / 1e6;
    gs_sun_t sun;
    gs_weather_sun(lat_deg, lon_deg, mid_s, &sun);
    w->glazing_w_m2[k] = (float)gs_weather_vertical_mean_w_m2(
        &sun, lat_deg, w->ghi_w_m2[k], gs_weather_extra_normal_w_m2(mid_s));
  }
}

double gs_weather_glazing_w_m2(const gs_weather_t *w, gs_time_us_t t_us) {
  double temp_c, glazing;
  gs_time_us_t next_us;
  gs_weather_sample(w, t_us, &temp_c, &glazing, &next_us);
  return glazing;
}
