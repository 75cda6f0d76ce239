// Scalars: DateTime is graphql-scalars' ISO date-time under the contract's name.
import { GraphQLScalarType } from "graphql";
import { GraphQLDateTimeISO } from "graphql-scalars";

export const DateTimeScalar = new GraphQLScalarType({
  ...GraphQLDateTimeISO.toConfig(),
  name: "DateTime",
  description: "A date-time string at UTC, such as 2007-12-03T10:15:30Z (RFC 3339).",
});
