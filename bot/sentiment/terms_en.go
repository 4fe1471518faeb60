package sentiment

import "strings"

func wordCount(s string) int { return strings.Count(s, " ") + 1 }

// apostropheless adds the spelling without apostrophes that people type on phones ("dont",
// "im"), unless it is a word of its own ("ill", "well", "hell", "were", "wed", "shed", "its").
func apostropheless(t string) []string {
	if !strings.Contains(t, "'") {
		return nil
	}
	plain := strings.ReplaceAll(t, "'", "")
	for _, w := range strings.Fields(plain) {
		switch w {
		case "ill", "well", "hell", "were", "wed", "shed", "its", "id", "hed", "shell":
			return nil
		}
	}
	return []string{plain}
}

// enGroups is the English lexicon, with the pinyin initialisms Chinese users type in Latin
// letters. "_" joins the words of a phrase. Later groups override earlier ones.
var enGroups = []group{
	// Profanity.
	term(classHostile, -2, 1.5, sigProfanity, `
		fuck fucking fucked fucker fuckers fucks fuckin fuckn fking fkn fkin fck fcking fcked fuk
		fuking fukin fuq phuck fuckery motherfucker motherfuckers motherfucking mofo wtf stfu gtfo
		ffs omfg shit shitty shite shits shitting shithole shitshow shithead bullshit horseshit
		batshit apeshit dipshit crap crappy asshole assholes arsehole arse jackass dumbass smartass
		goddamn goddamnit dammit damnit effing bastard bastards bitch bitches bitching bitchy cunt
		cunts dick dickhead dicks prick pricks twat wanker douche douchebag douchebags piss pissing
		pissy bloody_hell what_the_fuck what_the_hell what_the_heck the_fuck the_hell the_heck
		for_fuck's_sake for_fucks_sake for_god's_sake for_christ's_sake son_of_a_bitch tmd nmsl cnm
		mlgb nnd sb`),
	term(classHostile, -1.2, 1.0, sigProfanity, `
		bs frick what_the_frick the_frick damn wth smfh damn_it damn_you goddam goddam_it dammit tf
		damned darn heck hell freaking frickin fricking frigging friggin fk ass`),

	// Insults.
	term(classHostile, -2, 1.5, sigInsult, `
		idiot idiots idiotic moron morons moronic imbecile imbeciles retard retards retarded cretin
		stupid stupidity dumb dumber dumbest fool fools foolish clown clowns loser losers jerk jerks
		creep creeps scumbag scumbags scum lowlife coward cowards cowardly hypocrite hypocrites
		hypocritical traitor traitors degenerate degenerates parasite parasites trash_human
		piece_of_shit piece_of_crap braindead brainless clueless incompetent incompetence ignorant
		ignorance liar liars thief thieves crook crooks con_artist con_artists fraudster fraudsters
		scammer scammers troll trolls bigot bigots racist racists sexist misogynist nazi nazis
		fascist fascists snowflake cuck incel karen neckbeard halfwit dimwit nitwit numbskull dunce
		airhead buffoon pathetic_loser waste_of_space waste_of_oxygen sucker suckers weasel maggot
		filth filthy vermin freak freaks bimbo idiocy stupidest spineless gutless psycho psychopath
		lunatic maniac narcissist sociopath`),

	term(classHostile, -0.8, 0.3, "", `
		holy_shit holy_fuck holy_crap holy_cow oh_my_god omg oh_god jesus_christ`),

	// Violence: angry people talk of it, but so do news and games, so alone it is not anger.
	term(classNegative, -1.0, 0.6, sigViolence, `
		smack smacked kill killed killing kills slap slapped slapping punch punched punching smash
		smashed beat_up beating beat_the revenge murder murdered murderer assault assaulted torture
		tortured rape raped rapist rapists strangle choke stab stabbed shoot burn_it_down burn_down
		destroy destroyed violence violent attack attacked attacking fight fighting`),

	// Threats and hostile commands.
	term(classHostile, -2, 1.8, sigThreat, `
		kill_you kill_yourself kys i'll_kill i_will_kill i'm_gonna_kill gonna_kill want_to_kill
		wanna_kill hope_you_die go_die drop_dead die_in_a_fire burn_in_hell rot_in_hell beat_you
		beat_the_shit punch_you smash_your slap_you destroy_you end_you hang_them shoot_them`),
	term(classHostile, -1.8, 1.5, sigHostile, `
		shut_up shut_the_fuck_up shut_your_mouth fuck_off piss_off f_off eff_off get_lost go_away
		go_to_hell screw_you screw_this screw_them fuck_you fuck_this fuck_that fuck_them fuck_him
		fuck_her up_yours bite_me eat_shit get_the_hell_out get_the_fuck_out kiss_my_ass bugger_off
		sod_off get_bent back_off leave_me_alone stop_it knock_it_off cut_the_crap cut_it_out
		give_it_a_rest nobody_asked who_asked none_of_your_business mind_your_own_business
		stay_out_of_it just_stop go_fuck_yourself go_screw_yourself suck_it blow_me`),

	// Feelings of anger and annoyance.
	term(classAnger, -1.5, 1.5, sigAnger, `
		angry angrier angriest angrily anger mad madder furious furiously fuming livid outraged
		outrage enraged enraging rage raging raged infuriated infuriating infuriates infuriate irate
		pissed pissed_off hate hated hates hating hatred hateful loathe loathed loathing despise
		despised detest detested resent resented resentful resentment seething seethe wrath incensed
		indignant indignation fed_up sick_of sick_and_tired had_enough had_it can't_stand
		cannot_stand can't_take disgusted disgusting disgust disgusts revolting repulsive vile
		appalled appalling sickening sickens enough_is_enough i've_had_enough`),

	term(classAnger, -1.2, 1.0, sigAnnoyance, `
		upset upsetting bitter offended offensive insulted insulting triggered grr grrr grrrr argh
		arghh ugh ughh hmph smh irritated irritating irritates irritation annoyed annoying annoys
		annoyance frustrated frustrating frustrates frustration exasperated exasperating aggravated
		aggravating agitated tired_of i'm_done im_done irks irked peeved miffed ticked_off
		cheesed_off hacked_off salty butthurt annoy yell yelling scream screaming shouting`),
	term(classHostile, -1.2, 1.0, sigSarcasm, `
		thanks_for_nothing yeah_right oh_great just_great oh_wonderful big_surprise what_a_surprise
		real_helpful`),

	// Harsh criticism.
	term(classCriticism, -1.5, 1.0, sigCriticism, `
		terrible terribly awful awfully horrible horribly horrendous atrocious abysmal dreadful
		worst appalling ridiculous ridiculously absurd absurdity ludicrous laughable pathetic
		pitiful unacceptable outrageous disgrace disgraceful shameful shameless nonsense rubbish
		garbage trash trashy junk useless worthless lousy crummy shoddy sloppy rude rudeness
		unprofessional disrespectful disrespect arrogant condescending patronizing entitled greedy
		corrupt corruption evil wicked cruel vicious toxic nasty gross scam scams scammed scamming
		ripoff rip-off ripped_off rip_off fraud frauds fraudulent steal stealing stole stolen
		robbery robbed robbing cheat cheats cheated cheating lied misleading deceptive deceived
		dishonest betrayed betrayal unfair unjust injustice bogus fake phony sham joke a_joke
		is_a_joke what_a_joke what_a_waste waste_of_time waste_of_money wasted_my blatant blatantly
		hypocrisy moronic idiotic asinine inept incompetently negligent negligence abuse abused
		abusive harass harassed harassment bully bullying bullied sucks suck sucked sucky screwed
		screw_up screwed_up messed_up fucked_up arrogance ruin ruined ruins ruining scandal
		scandalous trainwreck train_wreck dumpster_fire tone-deaf gaslighting gaslight despicable
		deplorable reprehensible abhorrent contemptible contempt scorn unhelpful pointless
		false_advertising daylight_robbery your_fault worse worsened yuck eww ew shambles disaster
		disastrous catastrophe nightmare failure_of cringe cringey cringy trash_service
		worst_service worst_company never_again no_excuse inexcusable unforgivable how_dare
		how_dare_you shame_on_you shame_on what_is_wrong_with_you what's_wrong_with_you
		are_you_kidding are_you_kidding_me you_kidding_me are_you_serious you_people you_guys_suck
		do_your_job give_me_a_break get_a_life grow_up who_cares wake_up how_hard_is_it
		how_hard_can_it_be how_difficult_is_it seriously_though come_the_fuck_on`),
	term(classCriticism, -0.8, 0.5, sigCriticism, `
		bad badly poor poorly slow sloppy mess messy broken fail fails failed failing failure wrong
		lazy careless clumsy silly weird shady sketchy dodgy questionable annoyingly overpriced
		expensive seriously why_would why_the why_on_earth what_on_earth whatever meh fml i_swear
		smug cocky blame rant ranting lame boring sucky`),

	// Service failures.
	term(classComplaint, -0.8, 0.6, sigComplaint, `
		charged_twice double_charged overcharged charged_me overcharge my_money_back money_back
		chargeback report_you sue lawsuit lawyer attorney bbb cancelling_my canceling_my
		never_received never_arrived never_came never_got not_received still_waiting
		haven't_received didn't_receive didn't_get haven't_got doesn't_work does_not_work
		not_working isn't_working stopped_working won't_work never_works keeps_crashing
		keeps_failing crashed crashing locked_out blocked banned hacked stolen_account lost_my
		deducted taken_from_my_account wrong_item damaged late delayed delay missing lost`),
	term(classComplaint, -0.8, 0.3, sigNegPraise, `
		didn't_help doesn't_help does_not_help did_not_help won't_help not_helping isn't_helping
		wasn't_helpful no_use no_good not_good_enough`),
	term(classComplaint, -0.3, 0.2, "", `cancel_my refund refunds complaint complaints complain complaining`),
	term(classComplaint, -0.2, 0.25, sigImpatience, `
		how_long hurry hurry_up asap right_now immediately ages for_ages forever any_update
		any_updates where_is_my where's_my when_will`),
	term(classComplaint, -1.0, 1.0, sigIgnored, `
		no_response no_reply no_answer nobody_answers no_one_answers nobody_responds no_one_responds
		nobody_replied no_one_replied nobody_replies no_one_replies nobody_helps no_one_helps
		nobody_cares no_one_cares nobody_listens no_one_listens ignored ignoring ignore_me ignores
		never_heard_back no_one_got_back nobody_got_back never_got_back never_replied
		never_responded never_answered left_on_read ghosted no_help no_one_helped nobody_helped
		hung_up runaround run_around`),
	term(classComplaint, -1.0, 0.9, sigImpatience, `
		been_waiting waiting_forever took_forever taking_forever takes_forever already_waited
		how_much_longer`),

	// Sadness, worry, disappointment.
	term(classNegative, -1.5, 0, sigSad, `
		sad sadly sadness unhappy depressed depressing depression heartbroken heartbreaking
		heartbreak cry crying cried cries tears tearful miserable misery lonely grief grieving mourn
		mourning hurt hurts hurting pain painful suffer suffering sorrow sorrowful devastated
		devastating tragic tragedy awful_news rip passed_away died dying death dead hopeless
		helpless gloomy lost_my miss_you missed_you homesick broke heartache regret regrets
		regretting`),
	term(classNegative, -1.0, 0, sigWorry, `
		afraid scared scary worried worry worrying worries anxious anxiety nervous nervously
		terrified terrifying terrify fear fears fearful frightened frightening panic panicking
		panicked concerned concern uneasy stressed stress stressful overwhelmed dread dreading
		horrified horrifying creepy spooky unsafe danger dangerous risky insecure`),
	term(classNegative, -1.2, 0.4, sigDisappoint, `
		disappointed disappointing disappointment letdown let_down underwhelming unfortunately
		unfortunate sigh sighs pity too_bad what_a_pity what_a_shame regrettable`),
	term(classNegative, -0.4, 0.1, sigProblem, `
		problem problems issue issues error errors bug bugs glitch glitches confused confusing
		complicated difficult hard_to tired exhausted sick ill sorry apologies excuse_me trouble
		troubles struggle struggling stuck can't_find cannot_find unable`),

	// Praise, thanks, fun.
	term(classPositive, 1.5, 0, sigThanks, `
		thanks thank thank_you thankyou thx ty tysm tyvm appreciate appreciated appreciative
		grateful gratitude cheers much_appreciated many_thanks kudos`),
	term(classPositive, 1.3, 0, sigPraise, `
		great good nice awesome amazing excellent perfect love loved loves loving lovely liked likes
		helpful helped glad happy happily happier pleased wonderful fantastic brilliant cool best
		fun funny enjoy enjoyed enjoying beautiful gorgeous superb outstanding impressive impressed
		sweet cute adorable excited exciting delighted delightful thrilled glorious splendid
		fabulous marvelous marvellous terrific incredible incredibly phenomenal stellar friendly
		kind kindly patient polite professional reliable useful satisfied satisfying congrats
		congratulations well_done good_job great_job nice_job nice_work good_work bravo yay woohoo
		hooray xd lol lmao lmfao rofl haha hahaha hahahaha hehe wow proud relieved relief blessed
		lucky fortunate legit recommend recommended worth fixed solved resolved sorted love_it
		love_this looks_good sounds_good not_bad no_problem no_worries no_prob np all_good
		makes_sense that_helps that_helped this_helps it_works it_worked`),
	term(classPositive, 0.8, 0, sigPraise, `
		better fine quick fast easy smooth solid worked works working hope hopeful hopefully win
		wins winning won welcome agreed agree exactly correct`),
	term(classPositive, 0.5, 0, "", `
		yes yeah yep right true fair ok okay alright k kk sure got_it understood noted`),

	// Negators.
	negators(`
		not no never don't doesn't didn't isn't aren't wasn't weren't can't cannot couldn't won't
		wouldn't shouldn't haven't hasn't hadn't ain't nothing nobody none neither nor without
		hardly barely scarcely dont doesnt didnt isnt arent wasnt werent cant couldnt wouldnt
		shouldnt havent hasnt hadnt aint lack lacks lacking`),
	softNegators(`not_really not_very not_that not_so not_too not_exactly not_particularly not_quite`),
	prohibitions(`don't_be dont_be no_need_to`),

	// Intensifiers.
	intensifiers(1.5, `
		very so really extremely totally absolutely completely utterly incredibly super too insanely
		highly deeply truly most such beyond way_too`),
	intensifiers(1.3, `
		pretty quite again always constantly literally actually just even more much keep keeps kept`),
	intensifiers(0.6, `a_bit a_little slightly somewhat kind_of kinda sort_of sorta a_tad mildly little`),

	// Compounds that hide the words inside them.
	neutral(`
		badass kick_ass kick_some_ass kick-ass kickass smart_ass hell_yeah hell_yes damn_good
		damn_right pretty_good pretty_much like_this like_that looks_like look_like feel_like
		felt_like just_like would_like i'd_like id_like i_would_like like_to something_like
		more_like seems_like sounds_like best_regards kind_regards kind_of sort_of all_right alright
		fine_print fair_enough in_case in_fact no_doubt no_one nobody's no_matter no_longer not_only
		never_mind nevermind not_sure not_yet dead_line deadline dead_end killer_app kill_time
		kill_the_process hard_drive hard_copy hard_disk trash_can trash_bin garbage_collection
		lost_and_found mad_props madly_in_love crazy_good insanely_good stupidly_good
		sick_of_waiting_for hurt_locker pain_au_chocolat game_of_thrones the_joker joker dick's
		bloody_mary piece_of_cake yes_but joke's_on thank_god thank_goodness god_bless bless_you
		go_ahead right_here right_there right_away last_night dead_serious like_a lot_like
		anything_like nothing_like`),
}
