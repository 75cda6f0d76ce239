// ProfileInput: a patch of the caller's profile, validated field by field.
import {
  ArrayMaxSize,
  IsEmail,
  IsInt,
  IsOptional,
  IsUrl,
  Matches,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
  registerDecorator,
  type ValidationOptions,
} from "class-validator";
import { Field, InputType, Int } from "type-graphql";
import type { AdminForbidType, AllowType, Gender } from "./profile.entity.js";
import { AdminForbidTypeEnum, AllowTypeEnum, GenderEnum } from "./profile.types.js";

/** True for an integer yyyymmdd that names a real calendar date (20000229 yes, 20010229 no). */
export function isYyyymmdd(value: unknown): boolean {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1000_01_01 || value > 9999_12_31) return false;
  const year = Math.floor(value / 10000);
  const month = Math.floor(value / 100) % 100;
  const day = value % 100;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function IsYyyymmdd(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: "isYyyymmdd",
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: { validate: isYyyymmdd },
    });
}

@InputType({ description: "One extra profile field to set." })
export class ProfileCustomFieldInput {
  @Field(() => String, { description: "Must be one of the keys the server is configured to accept." })
  @MinLength(1, { message: "must not be empty" })
  @MaxLength(64, { message: "must be at most 64 characters" })
  key!: string;

  @Field(() => String, { description: "The value, at most 512 characters." })
  @MaxLength(512, { message: "must be at most 512 characters" })
  value!: string;
}

const nonNegative = { message: "must be zero or more" };

@InputType({ description: "A patch: an omitted field keeps its value; an explicit null clears it." })
export class ProfileInput {
  @Field(() => String, { nullable: true, description: "The name to show, at most 64 characters." })
  @IsOptional()
  @MaxLength(64, { message: "must be at most 64 characters" })
  nickname?: string | null;

  @Field(() => String, { nullable: true, description: "An http(s) URL for the image." })
  @IsOptional()
  @MaxLength(2048, { message: "must be at most 2048 characters" })
  @IsUrl({ protocols: ["http", "https"], require_protocol: true, require_tld: false }, { message: "must be an http(s) URL" })
  imageUrl?: string | null;

  @Field(() => String, { nullable: true, description: "A fileToken from POST /media of an image the caller uploaded." })
  @IsOptional()
  @MaxLength(128, { message: "must be at most 128 characters" })
  imageFileToken?: string | null;

  @Field(() => String, { nullable: true, description: "A status line, at most 256 characters." })
  @IsOptional()
  @MaxLength(256, { message: "must be at most 256 characters" })
  status?: string | null;

  @Field(() => String, { nullable: true, description: "Digits with an optional leading +, at most 20 digits; only the owner sees it." })
  @IsOptional()
  @Matches(/^\+?[0-9]{1,20}$/, { message: "must be digits with an optional leading +" })
  mobileNumber?: string | null;

  @Field(() => String, { nullable: true, description: "An email address, at most 254 characters; only the owner sees it." })
  @IsOptional()
  @MaxLength(254, { message: "must be at most 254 characters" })
  @IsEmail({}, { message: "must be an email address" })
  email?: string | null;

  @Field(() => GenderEnum, { nullable: true, description: "The user's gender; null sets UNKNOWN." })
  gender?: Gender | null;

  @Field(() => Int, { nullable: true, description: "A real calendar date written yyyymmdd as a number, e.g. 20000101." })
  @IsOptional()
  @IsYyyymmdd({ message: "must be a real date written yyyymmdd, e.g. 20000101" })
  birthday?: number | null;

  @Field(() => String, { nullable: true, description: "Free text, at most 256 characters." })
  @IsOptional()
  @MaxLength(256, { message: "must be at most 256 characters" })
  location?: string | null;

  @Field(() => Int, { nullable: true, description: "An app-defined number, 0 or more (see UserProfile.language)." })
  @IsOptional()
  @IsInt()
  @Min(0, nonNegative)
  language?: number | null;

  @Field(() => AllowTypeEnum, { nullable: true, description: "Who may start a one-to-one chat with the user; null sets ALLOW_ANY." })
  allowType?: AllowType | null;

  @Field(() => Int, { nullable: true, description: "An app-defined number, 0 or more (see UserProfile.messageSettings)." })
  @IsOptional()
  @Min(0, nonNegative)
  messageSettings?: number | null;

  @Field(() => AdminForbidTypeEnum, { nullable: true, description: "The sending restriction to record; null sets NONE." })
  adminForbidType?: AdminForbidType | null;

  @Field(() => Int, { nullable: true, description: "An app-defined number, 0 or more (see UserProfile.level)." })
  @IsOptional()
  @Min(0, nonNegative)
  level?: number | null;

  @Field(() => Int, { nullable: true, description: "An app-defined number, 0 or more (see UserProfile.role)." })
  @IsOptional()
  @Min(0, nonNegative)
  role?: number | null;

  @Field(() => [ProfileCustomFieldInput], { nullable: true, description: "Replaces the given keys; keys not named keep their value." })
  @IsOptional()
  @ArrayMaxSize(100, { message: "must name at most 100 fields" })
  @ValidateNested({ each: true })
  customFields?: ProfileCustomFieldInput[] | null;
}
