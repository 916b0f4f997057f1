// SPDX-License-Identifier: GPL-3.0-or-later
#include "capture_program.hpp"

#include <cmath>
#include <cstdio>

namespace astropack::simulate {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (the usual era arithmetic:
// 400-year eras of 146097 days, years counted from March so leap days come last).
std::int64_t days_from_civil(std::int64_t year, int month, int day) noexcept {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const int shifted_month = month > 2 ? month - 3 : month + 9;
  const std::int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilDate {
  std::int64_t year;
  int month, day;
};

CivilDate civil_from_days(std::int64_t days) noexcept {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;
  CivilDate date;
  date.day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  date.month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  date.year = year_of_era + era * 400 + (date.month <= 2 ? 1 : 0);
  return date;
}

double unix_time(std::int64_t year, int month, int day, int hour, int minute) noexcept {
  return static_cast<double>(days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60);
}

// When each series starts: a dark library taken a week before, the night's
// lights, then flats at dawn with their dark-flats.
double series_start(FrameKind kind) noexcept {
  switch (kind) {
    case FrameKind::Bias:
      return unix_time(2025, 1, 8, 14, 0);
    case FrameKind::Dark:
      return unix_time(2025, 1, 8, 14, 10);
    case FrameKind::Light:
      return unix_time(2025, 1, 15, 20, 30);
    case FrameKind::Flat:
      return unix_time(2025, 1, 16, 6, 40);
    case FrameKind::DarkFlat:
      return unix_time(2025, 1, 16, 6, 50);
  }
  return 0.0;
}

// Download time, plus dither and settling between lights.
double dead_time(FrameKind kind) noexcept { return kind == FrameKind::Light ? 7.5 : 1.2; }

std::string_view image_type(FrameKind kind) noexcept {
  switch (kind) {
    case FrameKind::Bias:
      return "Bias Frame";
    case FrameKind::Dark:
      return "Dark Frame";
    case FrameKind::Flat:
      return "Flat Field";
    case FrameKind::DarkFlat:
      return "Dark Frame";  // a dark at the flat exposure
    case FrameKind::Light:
      return "Light Frame";
  }
  return "";
}

std::string_view name_prefix(FrameKind kind) noexcept {
  switch (kind) {
    case FrameKind::Bias:
      return "Bias";
    case FrameKind::Dark:
      return "Dark";
    case FrameKind::Flat:
      return "Flat";
    case FrameKind::DarkFlat:
      return "DarkFlat";
    case FrameKind::Light:
      return "Light";
  }
  return "";
}

// Frame types that see light through the filter.
bool through_filter(FrameKind kind) noexcept {
  return kind == FrameKind::Flat || kind == FrameKind::Light;
}

}  // namespace

std::string_view folder_name(FrameKind kind) noexcept {
  switch (kind) {
    case FrameKind::Bias:
      return "biases";
    case FrameKind::Dark:
      return "darks";
    case FrameKind::Flat:
      return "flats";
    case FrameKind::DarkFlat:
      return "darkflats";
    case FrameKind::Light:
      return "lights";
  }
  return "";
}

int frame_count(const SimulationPlan& plan, FrameKind kind) noexcept {
  switch (kind) {
    case FrameKind::Bias:
      return plan.biases;
    case FrameKind::Dark:
      return plan.darks;
    case FrameKind::Flat:
      return plan.flats;
    case FrameKind::DarkFlat:
      return plan.darkflats;
    case FrameKind::Light:
      return plan.lights;
  }
  return 0;
}

double exposure_of(const SimulationPlan& plan, FrameKind kind) noexcept {
  switch (kind) {
    case FrameKind::Bias:
      return plan.bias_exposure_s;
    case FrameKind::Dark:
      return plan.dark_exposure_s;
    case FrameKind::Flat:
    case FrameKind::DarkFlat:
      return plan.flat_exposure_s;
    case FrameKind::Light:
      return plan.light_exposure_s;
  }
  return 0.0;
}

std::string short_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

std::string frame_file_name(const SimulationPlan& plan, FrameKind kind, int number) {
  std::string name(name_prefix(kind));
  if (kind == FrameKind::Light) name.append("_").append(plan.object);
  name.append("_").append(short_number(exposure_of(plan, kind))).append("s_Bin1");
  if (through_filter(kind) && !plan.filter.empty()) name.append("_").append(plan.filter);
  name.append("_gain").append(std::to_string(plan.camera.gain_setting));
  name.append("_").append(short_number(plan.camera.set_temperature_c)).append("C_");
  char sequence[16];
  std::snprintf(sequence, sizeof sequence, "%04d", number);
  name.append(sequence).append(".fit");
  return name;
}

std::string format_utc(double unix_seconds) {
  const auto millis = static_cast<std::int64_t>(std::llround(unix_seconds * 1000.0));
  const std::int64_t seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  const std::int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  const std::int64_t in_day = seconds - days * 86400;
  const CivilDate date = civil_from_days(days);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02d-%02dT%02d:%02d:%02d.%03d",
                static_cast<long long>(date.year), date.month, date.day,
                static_cast<int>(in_day / 3600), static_cast<int>(in_day / 60 % 60),
                static_cast<int>(in_day % 60), static_cast<int>(millis - seconds * 1000));
  return buffer;
}

std::string observation_time(const SimulationPlan& plan, FrameKind kind, int number) {
  const double cadence = exposure_of(plan, kind) + dead_time(kind);
  return format_utc(series_start(kind) + cadence * (number - 1));
}

Header frame_header(const SimulationPlan& plan, FrameKind kind, int number) {
  const SimulatedCamera& camera = plan.camera;
  Header header;
  header.image_type = std::string(image_type(kind));
  header.exposure = exposure_of(plan, kind);
  header.date_obs = observation_time(plan, kind, number);
  header.temperature = camera.set_temperature_c;
  header.set_temperature = camera.set_temperature_c;
  header.gain = camera.gain_setting;
  header.offset = camera.offset_setting;
  header.electrons_per_adu = camera.electrons_per_adu;
  header.pixel_size_x = camera.pixel_size_um;
  header.pixel_size_y = camera.pixel_size_um;
  header.binning_x = 1;
  header.binning_y = 1;
  header.focal_length = camera.focal_length_mm;
  header.instrument = camera.instrument;
  header.telescope = camera.telescope;
  header.row_order = "TOP-DOWN";
  if (!plan.cfa && through_filter(kind)) header.filter = plan.filter;
  if (plan.cfa) header.bayer_pattern = "RGGB";
  if (kind == FrameKind::Light) header.object = plan.object;
  header.set_other(make_card("SWCREATE", "astropack simulate", "Software that made the file"));
  header.set_other(make_card("SIMSEED", static_cast<long long>(plan.seed & 0x7fffffffffffffffULL),
                             "Seed of the simulated session"));
  return header;
}

}  // namespace astropack::simulate
