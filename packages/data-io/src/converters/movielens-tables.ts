import { join } from "node:path";
import { lineError, readTextLines } from "./text-lines.js";

/** A MovieLens-100K user (`u.user`). */
export interface MovielensUser {
  age: number;
  male: boolean;
  /** Index into the occupation list (`u.occupation` order). */
  occupation: number;
  zip: string;
}

/** A MovieLens-100K item (`u.item`). */
export interface MovielensItem {
  /** Release year, or undefined when the date is missing. */
  year: number | undefined;
  /** 19 genre flags in `u.genre` order. */
  genres: Uint8Array;
}

/** One rating line of `u.data` or a split file. */
export interface MovielensRating {
  user: number;
  item: number;
  rating: number;
  timestamp: number;
}

/** The side tables of MovieLens-100K. */
export interface MovielensTables {
  genres: string[];
  occupations: string[];
  users: Map<number, MovielensUser>;
  items: Map<number, MovielensItem>;
}

/** Reads u.genre, u.occupation, u.user and u.item (ISO-8859-1) from `dir`; errors name file:line. */
export async function readMovielensTables(dir: string): Promise<MovielensTables> {
  const genres: string[] = [];
  for await (const { text, number } of readTextLines(join(dir, "u.genre"))) {
    if (text.trim() === "") continue;
    const [name, index] = text.split("|");
    if (Number(index) !== genres.length)
      throw lineError(
        join(dir, "u.genre"),
        number,
        `expected genre index ${genres.length}, got "${text}"`,
      );
    genres.push(name as string);
  }
  const occupations: string[] = [];
  for await (const { text } of readTextLines(join(dir, "u.occupation")))
    if (text.trim() !== "") occupations.push(text.trim());
  const occupationIndex = new Map(occupations.map((name, i) => [name, i]));
  const users = new Map<number, MovielensUser>();
  const userFile = join(dir, "u.user");
  for await (const { text, number } of readTextLines(userFile)) {
    if (text.trim() === "") continue;
    const fields = text.split("|");
    const occupation = occupationIndex.get(fields[3] ?? "");
    if (
      fields.length !== 5 ||
      !isInteger(fields[0]) ||
      !isInteger(fields[1]) ||
      !(fields[2] === "M" || fields[2] === "F")
    ) {
      throw lineError(
        userFile,
        number,
        `expected user_id|age|M or F|occupation|zip, got "${text}"`,
      );
    }
    if (occupation === undefined)
      throw lineError(userFile, number, `unknown occupation "${fields[3]}" (not in u.occupation)`);
    users.set(Number(fields[0]), {
      age: Number(fields[1]),
      male: fields[2] === "M",
      occupation,
      zip: fields[4] as string,
    });
  }
  const items = new Map<number, MovielensItem>();
  const itemFile = join(dir, "u.item");
  for await (const { text, number } of readTextLines(itemFile, "latin1")) {
    if (text.trim() === "") continue;
    const fields = text.split("|");
    if (fields.length !== 5 + genres.length || !isInteger(fields[0])) {
      throw lineError(
        itemFile,
        number,
        `expected ${5 + genres.length} |-separated fields (id|title|release|video release|url|${genres.length} genre flags), got ${fields.length}`,
      );
    }
    const flags = fields.slice(5).map(Number);
    if (flags.some((flag) => flag !== 0 && flag !== 1))
      throw lineError(itemFile, number, "genre flags must be 0 or 1");
    const year = /(\d{4})$/.exec(fields[2] as string)?.[1];
    items.set(Number(fields[0]), {
      year: year === undefined ? undefined : Number(year),
      genres: Uint8Array.from(flags),
    });
  }
  return { genres, occupations, users, items };
}

/** Reads a ratings file (`user<TAB>item<TAB>rating<TAB>timestamp`), checking ids against the tables. */
export async function readMovielensRatings(
  path: string,
  tables: MovielensTables,
): Promise<MovielensRating[]> {
  const ratings: MovielensRating[] = [];
  for await (const { text, number } of readTextLines(path)) {
    if (text.trim() === "") continue;
    const fields = text.split("\t");
    if (fields.length !== 4 || !fields.every(isInteger)) {
      throw lineError(
        path,
        number,
        `expected user_id<TAB>item_id<TAB>rating<TAB>timestamp (integers), got "${text.slice(0, 80)}"`,
      );
    }
    const [user, item, rating, timestamp] = fields.map(Number) as [number, number, number, number];
    if (!tables.users.has(user)) throw lineError(path, number, `user_id ${user} is not in u.user`);
    if (!tables.items.has(item)) throw lineError(path, number, `item_id ${item} is not in u.item`);
    if (rating < 1 || rating > 5) throw lineError(path, number, `rating ${rating} is outside 1–5`);
    ratings.push({ user, item, rating, timestamp });
  }
  return ratings;
}

function isInteger(token: string | undefined): boolean {
  return token !== undefined && /^\d+$/.test(token.trim());
}
